import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ValidationError } from '../errors.js';
import { validateBoard, type BoardDescription } from '../hal/board.js';

/** The board files shipped in board/, by name. */
export const BOARD_NAMES = ['sim', 'rpi-pn532-hsu'] as const;

/**
 * A board by name (board/NAME.ts) or from a file (a .ts/.js module exporting it as default,
 * or .json), validated before anything is opened.
 */
export async function loadBoard(nameOrFile: string): Promise<BoardDescription> {
  let raw: unknown;
  if ((BOARD_NAMES as readonly string[]).includes(nameOrFile)) {
    raw = (await import(`../../board/${nameOrFile}.js`)).default;
  } else if (/[\\/]|\.(ts|js|mjs|json)$/.test(nameOrFile)) {
    const file = resolve(nameOrFile);
    try {
      raw = file.endsWith('.json') ? JSON.parse(await readFile(file, 'utf8')) : (await import(pathToFileURL(file).href)).default;
    } catch (e) {
      throw new ValidationError(`board file ${nameOrFile}: ${(e as Error).message}`, 'BOARD_INVALID');
    }
  } else {
    throw new ValidationError(`unknown board '${nameOrFile}': use one of ${BOARD_NAMES.join(', ')}, or a path to a board file`, 'BOARD_INVALID');
  }
  return validateBoard(raw);
}
