import { CancelledError, PosError, TimeoutError, abortReason } from '../errors.js';
import { isDigitKey, type KeyName } from '../hal/keypad/keys.js';
import { CardCollisionError } from '../hal/reader.js';
import { HostConnectError, HostDisconnectedError, HostError, HostTimeoutError, MessageFormatError } from '../host/errors.js';
import { buildEcho, readNetworkResponse } from '../host/messages.js';
import { testPage, type PrintOutcome } from '../printer/index.js';
import { cancellable, nextKey } from '../runtime/prompt.js';
import { withTimeout } from '../runtime/timeout.js';
import { formatAmount } from '../money.js';
import { OperatorLockedError } from '../store/operators.js';
import { displayTestPatterns, keypadTestScreen, linesPerPage, pagerScreen, paginate } from '../ui/diagnostics-screens.js';
import { t, type MessageKey } from '../ui/messages.js';
import { menuScreen, messageScreen, type MenuEntry } from '../ui/screens.js';
import { cellWidth, fit, wrap } from '../ui/text.js';
import { clockTime, exportDiagnostics, ExportError, readLogTail } from './diagnostics-logs.js';
import { layout, show } from './layout.js';
import { localDateTime } from './local-time.js';
import { askSupervisor, type OperatorsContext } from './operators.js';

/**
 * The technician's diagnostics menu, behind the supervisor's password: each device tested
 * where it stands, on the terminal's own screen and keypad. Ten entries: reader self-test,
 * printer test page, display patterns, keypad test, LEDs and buzzer, network echo, the last
 * log lines, export of logs and the masked journal, configuration and versions, key status
 * (KSN and check value only).
 *
 * CANCEL in an entry goes back to this menu, CANCEL in this menu leaves; no key for menuMs
 * in the menu ends it with TimeoutError (main.ts says so). A device that fails its test is
 * a result on screen, never a fault of the flow.
 */

/** What the reader self-test asks of the reader chip; a Pn532 (src/hal/pn532) is one. */
export interface ReaderChip {
  getFirmwareVersion(options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<{ ic: number; version: number; revision: number }>;
  /** UM0701-02 7.2.1 Diagnose, communication line test: resolves when the chip echoed the data. */
  diagnoseLine(data?: Uint8Array, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<void>;
  setRfField(on: boolean, autoRfca?: boolean, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<void>;
}

/** What diagnostics needs beyond the terminal context: the composition root (pos start) knows these. */
export interface DiagnosticsServices {
  /** The reader chip behind ctx.reader, for the firmware, line and RF tests; null: only the poll test. */
  readonly readerChip: ReaderChip | null;
  /** The data directory: exports go to <data>/export unless settings.exportDir names a stick. */
  readonly dataDir: string;
  /** <data>/logs/terminal.log as createLogger() opened it; null when logs go to stderr only. */
  readonly logFile: string | null;
  /** Writes out what the logger still buffers, so the screen and the export see the last lines. */
  readonly flushLog?: () => void;
  /** The board description's name (sim, rpi-pn532-hsu...). */
  readonly boardName: string;
  /** The runtime's version (package.json). */
  readonly version: string;
}

/** The terminal context with the operator store (the password) and the diagnostics services. */
export type DiagnosticsContext = OperatorsContext & { readonly diagnostics?: DiagnosticsServices | null };

type Item = (ctx: DiagnosticsContext, signal: AbortSignal) => Promise<void>;

/** How long the poll test waits for a card (named timeout readerPollTest). */
export const READER_POLL_TEST_MS = 5_000;
/** How long the network test waits for the echo's answer (named timeout networkTest). */
export const NETWORK_TEST_MS = 15_000;
/** Per command of the reader self-test: the PN532 answers these within milliseconds. */
const CHIP_COMMAND_MS = 1_000;
/** Log lines shown on screen, newest first. */
const LOG_LINES = 30;

export const DIAGNOSTICS_MENU: readonly MenuEntry[] = Object.freeze([
  { id: 'reader', label: 'diag.reader' },
  { id: 'printer', label: 'diag.printer' },
  { id: 'display', label: 'diag.display' },
  { id: 'keypad', label: 'diag.keypad' },
  { id: 'leds', label: 'diag.leds' },
  { id: 'network', label: 'diag.network' },
  { id: 'logs', label: 'diag.logs' },
  { id: 'export', label: 'diag.export' },
  { id: 'config', label: 'diag.config' },
  { id: 'keys', label: 'diag.keys' },
]);

/**
 * The diagnostics flow: the supervisor's password (src/flows/operators.ts: three wrong and
 * the supervisor is locked), then the menu until CANCEL. Without an operator store in the
 * context nobody can prove who they are: the screen says so and nothing opens.
 */
export async function diagnostics(ctx: DiagnosticsContext, signal: AbortSignal): Promise<void> {
  if (!ctx.operators) return showLines(ctx, signal, 'diag.title', [t(ctx.lang, 'op.notSetUp')]);
  try {
    await askSupervisor(ctx, signal, 'diag.title');
  } catch (e) {
    if (e instanceof OperatorLockedError) return; // askSupervisor said so on screen
    throw e;
  }
  ctx.log.info({ event: 'diagnostics.opened' }, 'diagnostics opened');
  let selected = 0;
  for (;;) {
    const chosen = await chooseItem(ctx, signal, selected);
    if (chosen === null) return;
    selected = chosen;
    const entry = DIAGNOSTICS_MENU[chosen]!;
    ctx.log.info({ event: 'diagnostics.item', item: entry.id }, 'diagnostics item');
    try {
      await ITEMS[entry.id]!(ctx, signal);
    } catch (e) {
      // CANCEL inside an entry is the way back to this menu; anything else ends diagnostics.
      if (signal.aborted || !(e instanceof CancelledError) || e instanceof TimeoutError || e.reason !== 'cancel-key') throw e;
    }
  }
}

/** The menu: UP/DOWN move, 1-9 and 0 (the tenth) or ENTER choose, CANCEL leaves (null). */
async function chooseItem(ctx: DiagnosticsContext, signal: AbortSignal, selected: number): Promise<number | null> {
  const n = DIAGNOSTICS_MENU.length;
  for (;;) {
    show(ctx, menuScreen(layout(ctx), DIAGNOSTICS_MENU, selected, 'diag.title'));
    const key = await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.menuMs, timeoutName: 'menuTimeout', cancelKey: false });
    if (key === 'CANCEL') return null;
    if (key === 'UP') selected = (selected + n - 1) % n;
    else if (key === 'DOWN') selected = (selected + 1) % n;
    else if (key === 'ENTER') return selected;
    else if (isDigitKey(key)) {
      const i = key === '0' ? 9 : Number(key) - 1;
      if (i < n) return i;
    }
  }
}

// ---- showing results ------------------------------------------------------------------------

/**
 * Pages of result lines under a title: DOWN and UP page, any other key (or menuMs without
 * one) goes back to the menu.
 */
async function showPages(ctx: DiagnosticsContext, signal: AbortSignal, title: MessageKey, pages: readonly (readonly string[])[]): Promise<void> {
  let page = 0;
  for (;;) {
    show(ctx, pagerScreen(layout(ctx), title, pages, page));
    let key: KeyName;
    try {
      key = await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.menuMs, timeoutName: 'diagnosticsResultTimeout', cancelKey: false });
    } catch (e) {
      if (e instanceof TimeoutError && !signal.aborted) return;
      throw e;
    }
    if (key === 'DOWN' && page < pages.length - 1) page++;
    else if (key === 'UP' && page > 0) page--;
    else if (key !== 'UP' && key !== 'DOWN') return;
  }
}

function showLines(ctx: DiagnosticsContext, signal: AbortSignal, title: MessageKey, lines: readonly string[]): Promise<void> {
  return showPages(ctx, signal, title, paginate(layout(ctx), lines));
}

/** Text cut into lines of the display's width; hex and identifiers have no spaces to wrap at. */
function chunks(value: string, columns: number): string[] {
  const out: string[] = [];
  for (let rest = value; rest.length > 0; ) {
    const head = fit(rest, columns);
    if (!head) break;
    out.push(head);
    rest = rest.slice(head.length);
  }
  return out;
}

/** A label and its value on one line when they fit, else the label over the value. */
function field(ctx: DiagnosticsContext, label: string, value: string): string[] {
  const columns = ctx.screen.columns;
  if (cellWidth(`${label} ${value}`) <= columns) return [`${label} ${value}`];
  return [label, ...chunks(value, columns)];
}

/** Runs a device check: true when it passed, false on a typed fault (logged); cancels and bugs go up. */
async function passes(ctx: DiagnosticsContext, what: string, check: () => Promise<unknown>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch (e) {
    if (e instanceof CancelledError || !(e instanceof PosError)) throw e;
    ctx.log.warn({ event: 'diagnostics.failed', check: what, code: e.code, err: e.message }, 'diagnostics check failed');
    return false;
  }
}

const okOrFail = (ctx: DiagnosticsContext, ok: boolean) => t(ctx.lang, ok ? 'diag.ok' : 'diag.fail');

// ---- the entries ------------------------------------------------------------------------------

/** Firmware version, the communication line test, the RF field on and off, then a poll for a card. */
async function readerTest(ctx: DiagnosticsContext, signal: AbortSignal): Promise<void> {
  const L = ctx.lang;
  const chip = ctx.diagnostics?.readerChip ?? null;
  const lines: string[] = [];
  const opts = { timeoutMs: CHIP_COMMAND_MS, signal };
  show(ctx, messageScreen(layout(ctx), 'diag.reader', ['', t(L, 'sale.processing')]));
  if (chip) {
    let firmware = '';
    const fwOk = await passes(ctx, 'reader.firmware', async () => {
      const fw = await chip.getFirmwareVersion(opts);
      firmware = `${fw.ic === 0x32 ? 'PN532' : `IC ${fw.ic.toString(16)}`} ${fw.version}.${fw.revision}`;
    });
    lines.push(fwOk ? t(L, 'diag.firmware', { version: firmware }) : t(L, 'diag.firmwareFail'));
    lines.push(t(L, 'diag.comm', { result: okOrFail(ctx, await passes(ctx, 'reader.line', () => chip.diagnoseLine(undefined, opts))) }));
    const rf = await passes(ctx, 'reader.rf', async () => {
      await chip.setRfField(true, false, opts);
      await chip.setRfField(false, false, opts);
    });
    lines.push(t(L, 'diag.rf', { result: okOrFail(ctx, rf) }));
  } else {
    lines.push(t(L, 'diag.firmwareFail'));
  }
  lines.push(ctx.reader ? await pollTest(ctx, signal) : t(L, 'card.noReader'));
  ctx.log.info({ event: 'diagnostics.reader', results: lines }, 'reader self-test');
  await showLines(ctx, signal, 'diag.reader', lines);
}

/** One poll of the reader: 'card seen' with its type, or 'no card' after READER_POLL_TEST_MS. */
async function pollTest(ctx: DiagnosticsContext, signal: AbortSignal): Promise<string> {
  const L = ctx.lang;
  show(ctx, messageScreen(layout(ctx), 'diag.reader', ['', t(L, 'diag.tapCard', { s: String(READER_POLL_TEST_MS / 1000) }), t(L, 'card.cancelHint')]));
  try {
    const session = await cancellable(ctx, signal, (s) => ctx.reader!.poll({ signal: withTimeout(ctx.clock, s, READER_POLL_TEST_MS, 'readerPollTest') }));
    const type = session.type;
    await session.release().catch(() => undefined);
    return t(L, 'diag.cardSeen', { type });
  } catch (e) {
    if (e instanceof TimeoutError && e.timeoutName === 'readerPollTest' && !signal.aborted) return t(L, 'diag.noCard');
    if (e instanceof CardCollisionError) return t(L, 'diag.twoCards');
    if (e instanceof CancelledError || !(e instanceof PosError)) throw e;
    ctx.log.warn({ event: 'diagnostics.failed', check: 'reader.poll', code: e.code, err: e.message }, 'diagnostics check failed');
    return t(L, 'diag.pollFail');
  }
}

/**
 * The printer test page (src/printer/receipts: ruler, character sets, sizes, QR), with the
 * queue's status on screen while it waits (paper out, cover open). CANCEL goes back and
 * leaves the page to the queue, which prints it when the printer is back.
 */
async function printerTest(ctx: DiagnosticsContext, signal: AbortSignal): Promise<void> {
  const L = ctx.lang;
  const printer = ctx.printer;
  if (!printer) return showLines(ctx, signal, 'diag.printer', [t(L, 'diag.noPrinter')]);
  const p = printer.profile;
  const s = ctx.settings;
  const ticket = printer.submit(
    testPage(
      {
        merchant: { name: s.merchantName, merchantId: s.merchantId, terminalId: s.terminalId, timeZone: s.timeZone },
        time: ctx.clock.now(),
        software: `pos-terminal ${ctx.diagnostics?.version ?? ''}`.trim(),
        printer: { name: p.name, dots: p.dots, columns: p.columns, baudRate: p.baudRate, qr: p.nativeQr ? 'native' : 'raster' },
      },
      { lang: L, paper: p.dots === 576 ? 80 : 58 },
    ),
  );
  const outcome = await cancellable(ctx, signal, async (inner): Promise<PrintOutcome> => {
    for (;;) {
      const q = printer.status;
      const status = q.state === 'waiting' ? t(L, `diag.problem.${q.problem}` as MessageKey) : t(L, 'sale.printing');
      show(ctx, messageScreen(layout(ctx), 'diag.printer', ['', status, t(L, 'card.cancelHint')]));
      // The status is read again every half second while the page is out, to show a paper-out as it happens.
      const tick = ctx.clock.sleep(500, inner).then(
        () => null,
        () => null,
      );
      const done = await Promise.race([ticket.done, tick]);
      if (done) return done;
      if (inner.aborted) throw abortReason(inner);
    }
  });
  ctx.log.info({ event: 'diagnostics.printer', reprinted: outcome.reprinted, paperNearEnd: outcome.paperNearEnd }, 'printer test page printed');
  await showLines(ctx, signal, 'diag.printer', [t(L, 'diag.printed'), t(L, outcome.paperNearEnd ? 'diag.paperLow' : 'diag.printerReady'), p.name]);
}

/** Every pixel lit, every pixel dark, alternate rows, the character set; any key moves on, CANCEL goes back. */
async function displayTest(ctx: DiagnosticsContext, signal: AbortSignal): Promise<void> {
  for (const view of displayTestPatterns(layout(ctx))) {
    show(ctx, view);
    await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.menuMs, timeoutName: 'displayTestTimeout' });
  }
}

/** Each key shown as it is pressed; CANCEL twice in a row leaves (once is a key like any other). */
async function keypadTest(ctx: DiagnosticsContext, signal: AbortSignal): Promise<void> {
  ctx.keys.flush();
  const pressed = new Set<KeyName>();
  let last: KeyName | null = null;
  let cancels = 0;
  for (;;) {
    show(ctx, keypadTestScreen(layout(ctx), pressed, last, cancels));
    const key = await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.menuMs, timeoutName: 'keypadTestTimeout', cancelKey: false });
    pressed.add(key);
    last = key;
    if (key !== 'CANCEL') cancels = 0;
    else if (++cancels >= 2) break;
  }
  ctx.log.info({ event: 'diagnostics.keypad', pressed: [...pressed] }, 'keypad test');
}

/** The contactless status patterns one by one (LED 1; LEDs 1 and 2; all four and the success tone; the alert tone), then off. */
async function ledTest(ctx: DiagnosticsContext, signal: AbortSignal): Promise<void> {
  const ind = ctx.indicators;
  if (!ind) return showLines(ctx, signal, 'diag.leds', [t(ctx.lang, 'diag.notAvailable')]);
  const steps: [MessageKey, () => void][] = [
    ['diag.led1', () => ind.ready()],
    ['diag.led12', () => ind.processing()],
    ['diag.ledAll', () => ind.success()],
    ['diag.ledAlert', () => ind.error()],
    ['diag.ledOff', () => ind.off()],
  ];
  try {
    for (const [text, light] of steps) {
      light();
      show(ctx, messageScreen(layout(ctx), 'diag.leds', ['', t(ctx.lang, text), t(ctx.lang, 'diag.next')]));
      await nextKey(ctx, { signal, timeoutMs: ctx.settings.timeouts.menuMs, timeoutName: 'ledTestTimeout' });
    }
  } finally {
    ind.off();
  }
}

/** An 0800 echo (docs/host-spec.md: network management, field 70 = 301) through the host link, with its round trip. */
async function networkTest(ctx: DiagnosticsContext, signal: AbortSignal): Promise<void> {
  const L = ctx.lang;
  const online = ctx.payments?.online;
  if (!online) return showLines(ctx, signal, 'diag.network', [t(L, 'return.noPayments')]);
  show(ctx, messageScreen(layout(ctx), 'diag.network', ['', t(L, 'diag.connecting'), t(L, 'card.cancelHint')]));
  const s = ctx.settings;
  const stan = await online.journal.allocateStan();
  const request = buildEcho({ stan, at: localDateTime(ctx.clock.now(), s.timeZone), terminalId: s.terminalId, merchantId: s.merchantId });
  const started = ctx.clock.now();
  let lines: string[];
  try {
    const response = await cancellable(ctx, signal, (inner) => online.link.network(request, { signal: inner, timeoutMs: NETWORK_TEST_MS }));
    const rtt = ctx.clock.now() - started;
    const r = readNetworkResponse(response);
    lines = [t(L, 'diag.connectOk'), r.ok ? t(L, 'diag.echoOk') : t(L, 'diag.echoRefused', { code: r.responseCode }), t(L, 'diag.rtt', { ms: String(Math.round(rtt)) })];
    ctx.log.info({ event: 'diagnostics.network', stan, responseCode: r.responseCode, rttMs: rtt }, 'echo test');
  } catch (e) {
    if (e instanceof CancelledError || !(e instanceof HostError)) throw e;
    ctx.log.warn({ event: 'diagnostics.network', stan, code: e.code, err: e.message }, 'echo test failed');
    if (e instanceof HostConnectError) lines = [t(L, 'sale.notSent')];
    else if (e instanceof HostTimeoutError || e instanceof HostDisconnectedError) lines = [t(L, 'diag.connectOk'), t(L, 'sale.noResponse')];
    else if (e instanceof MessageFormatError) lines = [t(L, 'diag.connectOk'), t(L, 'diag.badAnswer')];
    else lines = [t(L, 'diag.fail'), e.code];
  }
  await showLines(ctx, signal, 'diag.network', lines);
}

/** The last log lines, newest first, one entry a page: time and level, then the event and message. */
async function logsView(ctx: DiagnosticsContext, signal: AbortSignal): Promise<void> {
  const d = ctx.diagnostics;
  if (!d?.logFile) return showLines(ctx, signal, 'diag.logs', [t(ctx.lang, 'diag.noLog')]);
  d.flushLog?.();
  const entries = await readLogTail(d.logFile, LOG_LINES);
  if (entries.length === 0) return showLines(ctx, signal, 'diag.logs', [t(ctx.lang, 'diag.noLog')]);
  const per = linesPerPage(layout(ctx));
  const pages = entries.map((e) => [`${clockTime(e.time, ctx.settings.timeZone)} ${e.level.toUpperCase()}`, ...wrap(e.text, ctx.screen.columns)].slice(0, per));
  await showPages(ctx, signal, 'diag.logs', pages);
}

/** Logs and the masked journal to settings.exportDir (a USB stick) or <data>/export. */
async function exportView(ctx: DiagnosticsContext, signal: AbortSignal): Promise<void> {
  const L = ctx.lang;
  const d = ctx.diagnostics;
  if (!d) return showLines(ctx, signal, 'diag.export', [t(L, 'diag.notAvailable')]);
  show(ctx, messageScreen(layout(ctx), 'diag.export', ['', t(L, 'diag.exporting')]));
  d.flushLog?.();
  let lines: string[];
  try {
    const r = await exportDiagnostics({
      exportDir: ctx.settings.exportDir,
      dataDir: d.dataDir,
      logFile: d.logFile,
      journal: ctx.payments?.online.journal.toApi() ?? null,
      terminalId: ctx.settings.terminalId,
      now: ctx.clock.now(),
      timeZone: ctx.settings.timeZone,
    });
    ctx.log.info({ event: 'diagnostics.exported', dir: r.dir, files: r.files }, 'logs and journal exported');
    const name = r.dir.split(/[\\/]/).pop() ?? r.dir;
    lines = [t(L, 'diag.exported', { n: String(r.files.length) }), ...chunks(name, ctx.screen.columns)];
  } catch (e) {
    if (!(e instanceof ExportError)) throw e;
    ctx.log.warn({ event: 'diagnostics.exportFailed', code: e.code, err: e.message }, 'export failed');
    lines = [t(L, e.code === 'EXPORT_NO_TARGET' ? 'diag.noUsb' : 'diag.exportFailed')];
  }
  await showLines(ctx, signal, 'diag.export', lines);
}

/** Versions, board, screen, the merchant's identity and settings that decide a sale. */
async function configView(ctx: DiagnosticsContext, signal: AbortSignal): Promise<void> {
  const s = ctx.settings;
  const d = ctx.diagnostics;
  const lines = [
    ...field(ctx, t(ctx.lang, 'diag.version'), d?.version ?? '?'),
    ...field(ctx, t(ctx.lang, 'diag.node'), process.version),
    ...field(ctx, t(ctx.lang, 'diag.board'), d?.boardName ?? '?'),
    ...field(ctx, t(ctx.lang, 'diag.screen'), `${ctx.screen.columns}x${ctx.screen.rows}`),
    ...field(ctx, t(ctx.lang, 'diag.tid'), s.terminalId),
    ...field(ctx, t(ctx.lang, 'diag.mid'), s.merchantId),
    ...field(ctx, t(ctx.lang, 'diag.currency'), s.currency),
    ...field(ctx, t(ctx.lang, 'diag.maxAmount'), formatAmount(s.maxAmount, s.currency)),
    ...field(ctx, t(ctx.lang, 'diag.language'), ctx.lang),
    ...field(ctx, t(ctx.lang, 'diag.timeZone'), s.timeZone),
  ];
  await showLines(ctx, signal, 'diag.config', lines);
}

/** The DUKPT state's identifiers: scheme, KSN, the initial key's check value, the counter. Never a key. */
async function keysView(ctx: DiagnosticsContext, signal: AbortSignal): Promise<void> {
  const L = ctx.lang;
  const store = ctx.payments?.keyStore;
  let lines: string[];
  if (!store || !(await store.hasKeys().catch(() => false))) lines = [t(L, 'sale.noKeys')];
  else {
    try {
      const st = await store.status();
      lines = [
        st.scheme === 'tdes-dukpt' ? 'TDES DUKPT' : `AES DUKPT ${st.workingKeyType ?? ''}`.trim(),
        ...field(ctx, 'KSN', st.ksn ?? '-'),
        ...field(ctx, t(ctx.lang, 'diag.kcv'), st.initialKeyKcv),
        ...field(ctx, t(ctx.lang, 'diag.counter'), String(st.counter)),
        ...(st.exhausted ? [t(L, 'diag.exhausted')] : []),
      ];
    } catch (e) {
      if (!(e instanceof PosError)) throw e;
      ctx.log.warn({ event: 'diagnostics.failed', check: 'keys', code: e.code }, 'key store could not be read');
      lines = [t(L, 'diag.keyFault')];
    }
  }
  await showLines(ctx, signal, 'diag.keys', lines);
}

const ITEMS: Readonly<Record<string, Item>> = Object.freeze({
  reader: readerTest,
  printer: printerTest,
  display: displayTest,
  keypad: keypadTest,
  leds: ledTest,
  network: networkTest,
  logs: logsView,
  export: exportView,
  config: configView,
  keys: keysView,
});
