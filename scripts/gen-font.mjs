#!/usr/bin/env node
/**
 * Builds src/hal/display/font-data.ts: the display font, a subset of GNU Unifont (8x16
 * Latin, 16x16 CJK) holding printable ASCII, the characters listed in src/ui/glyphs.txt and
 * every non-ASCII character found in string literals of src/ui/**\/*.ts.
 *
 *   node scripts/gen-font.mjs            regenerate (needs Debian's `unifont` package:
 *                                        apt-get install unifont -> /usr/share/unifont/unifont.hex)
 *   node scripts/gen-font.mjs --check    exit 1, naming them, when characters the UI uses are
 *                                        missing from the committed font-data.ts (no unifont needed)
 *   --hex FILE                           another unifont.hex
 *
 * Plain Node (no TypeScript) so it runs on a machine with nothing but node and the font.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const GLYPHS_TXT = join(ROOT, 'src/ui/glyphs.txt');
const UI_DIR = join(ROOT, 'src/ui');
const OUT = join(ROOT, 'src/hal/display/font-data.ts');
const DEFAULT_HEX = '/usr/share/unifont/unifont.hex';

function fail(message) {
  process.stderr.write(`gen-font: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { check: false, hex: DEFAULT_HEX };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') opts.check = true;
    else if (a === '--hex') {
      opts.hex = argv[++i];
      if (!opts.hex) fail('--hex needs a file');
    } else fail(`unknown argument '${a}' (use --check or --hex FILE)`);
  }
  return opts;
}

/** glyphs.txt: every character but whitespace, lines starting with # are comments. */
function charsOfGlyphsTxt() {
  if (!existsSync(GLYPHS_TXT)) return [];
  const out = [];
  for (const line of readFileSync(GLYPHS_TXT, 'utf8').split('\n')) {
    if (line.trimStart().startsWith('#')) continue;
    for (const ch of line) if (!/\s/u.test(ch)) out.push(ch);
  }
  return out;
}

function tsFilesUnder(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFilesUnder(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/**
 * The text inside string and template literals of a TypeScript source, comments skipped.
 * A small scanner, not a parser: it follows quotes, escapes, comments and `${}` nesting,
 * which is all it takes to tell a Chinese message from a Chinese comment.
 */
function stringLiteralText(src) {
  let out = '';
  let i = 0;
  // Each entry: 'code' (brace depth counted in .depth) or 'template'.
  const stack = [{ mode: 'code', depth: 0 }];
  while (i < src.length) {
    const top = stack[stack.length - 1];
    const c = src[i];
    if (top.mode === 'template') {
      if (c === '\\') {
        out += src.slice(i, i + 2);
        i += 2;
      } else if (c === '`') {
        stack.pop();
        i++;
      } else if (c === '$' && src[i + 1] === '{') {
        stack.push({ mode: 'code', depth: 0 });
        i += 2;
      } else {
        out += c;
        i++;
      }
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? src.length : nl;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
    } else if (c === '"' || c === "'") {
      i++;
      while (i < src.length && src[i] !== c && src[i] !== '\n') {
        if (src[i] === '\\') i++;
        else out += src[i];
        i++;
      }
      out += '\n';
      i++;
    } else if (c === '`') {
      stack.push({ mode: 'template' });
      i++;
    } else if (c === '{') {
      top.depth++;
      i++;
    } else if (c === '}') {
      if (top.depth === 0 && stack.length > 1) stack.pop();
      else top.depth--;
      i++;
    } else i++;
  }
  return out;
}

/** Every character the font must hold, as sorted code points. */
function wantedCodePoints() {
  const set = new Set();
  for (let cp = 0x20; cp <= 0x7e; cp++) set.add(cp);
  for (const ch of charsOfGlyphsTxt()) set.add(ch.codePointAt(0));
  for (const file of tsFilesUnder(UI_DIR)) {
    for (const ch of stringLiteralText(readFileSync(file, 'utf8'))) {
      const cp = ch.codePointAt(0);
      // Non-ASCII text in messages: CJK and the odd sign (¥, …). C1 controls are not text.
      if (cp > 0x7e && !(cp >= 0x80 && cp <= 0x9f) && (!/\s/u.test(ch) || cp === 0x3000)) set.add(cp);
    }
  }
  return [...set].sort((a, b) => a - b);
}

function readUnifont(file) {
  if (!existsSync(file)) {
    fail(`${file} not found: install Debian's unifont package (apt-get install unifont) or pass --hex FILE`);
  }
  const glyphs = new Map();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9A-F]{4,6}):([0-9A-F]{32}|[0-9A-F]{64})$/.exec(line.trim());
    if (m) glyphs.set(parseInt(m[1], 16), m[2]);
  }
  if (glyphs.size === 0) fail(`${file} holds no glyphs in unifont .hex form`);
  return glyphs;
}

function unifontVersion() {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', 'unifont'], { encoding: 'utf8' }).trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

const cpHex = (cp) => `0x${cp.toString(16).toUpperCase().padStart(4, '0')}`;

function render(entries, unavailable, version) {
  const lines = [
    '/*',
    ' * GENERATED by scripts/gen-font.mjs: do not edit; change src/ui/glyphs.txt or the UI texts',
    ' * and run `node scripts/gen-font.mjs`.',
    ' *',
    ` * Glyphs: a subset of GNU Unifont (Debian package unifont, version ${version}), the 8x16 and`,
    ' * 16x16 bitmaps copied unaltered. Copyright 1998-2019 Roman Czyborra, Paul Hardy and the',
    ' * other contributors named in /usr/share/doc/unifont/copyright. Since Unifont 13.0.04 the',
    ' * font is dual-licensed: SIL Open Font License 1.1, or GNU GPL 2+ with the GNU font',
    ' * embedding exception. This subset is used and redistributed under the SIL OFL 1.1, which',
    " * allows bundling with software under another licence (OFL 1.1, 'Permission & Conditions'",
    " * 1-2); this file stays under the OFL 1.1, the project's code is MIT. See",
    ' * src/hal/display/README.md.',
    ' */',
    '',
    `export const UNIFONT_VERSION = '${version}';`,
    '',
    '/** [code point, rows top to bottom as hex: 32 digits = 8x16, 64 digits = 16x16, MSB = leftmost pixel]. */',
    'export const GLYPH_HEX: readonly (readonly [number, string])[] = [',
  ];
  for (const [cp, hex] of entries) lines.push(`  [${cpHex(cp)}, '${hex}'], // ${JSON.stringify(String.fromCodePoint(cp))}`);
  lines.push('];', '');
  lines.push('/** Characters the UI asked for that Unifont has no glyph for: they render as a box. */');
  lines.push(`export const UNAVAILABLE: readonly number[] = [${unavailable.map(cpHex).join(', ')}];`, '');
  return lines.join('\n');
}

function check() {
  if (!existsSync(OUT)) fail(`${relative(ROOT, OUT)} is missing: run node scripts/gen-font.mjs`);
  const text = readFileSync(OUT, 'utf8');
  const have = new Set([...text.matchAll(/^ {2}\[0x([0-9A-F]+), '/gm)].map((m) => parseInt(m[1], 16)));
  const unavailableLine = /UNAVAILABLE: readonly number\[\] = \[([^\]]*)\]/.exec(text);
  for (const m of (unavailableLine?.[1] ?? '').matchAll(/0x([0-9A-F]+)/g)) have.add(parseInt(m[1], 16));
  const missing = wantedCodePoints().filter((cp) => !have.has(cp));
  if (missing.length > 0) {
    const list = missing.map((cp) => `${String.fromCodePoint(cp)} (U+${cp.toString(16).toUpperCase()})`).join(' ');
    process.stderr.write(
      `gen-font: the font lacks ${missing.length} character(s) the UI uses: ${list}\n` +
        'run `apt-get install unifont && node scripts/gen-font.mjs` and commit src/hal/display/font-data.ts\n',
    );
    process.exit(1);
  }
  process.stdout.write(`gen-font: font-data.ts holds all ${have.size} characters the UI uses\n`);
}

function generate(hexFile) {
  const font = readUnifont(hexFile);
  const entries = [];
  const unavailable = [];
  for (const cp of wantedCodePoints()) {
    const hex = font.get(cp);
    if (hex) entries.push([cp, hex]);
    else unavailable.push(cp);
  }
  writeFileSync(OUT, render(entries, unavailable, unifontVersion()));
  const wide = entries.filter(([, h]) => h.length === 64).length;
  process.stdout.write(
    `gen-font: wrote ${relative(ROOT, OUT)}: ${entries.length} glyphs (${wide} 16x16)` +
      (unavailable.length ? `; not in Unifont: ${unavailable.map(cpHex).join(' ')}` : '') +
      '\n',
  );
}

const opts = parseArgs(process.argv.slice(2));
if (opts.check) check();
else generate(opts.hex);
