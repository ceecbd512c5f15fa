import type { Logger } from 'pino';
import type { BoardDescription } from './board.js';
import type { BoardPorts } from './board-ports.js';
import type { TextDisplay } from './display/text-display.js';
import { MatrixKeypad } from './keypad/matrix.js';
import type { Clock } from './ports.js';
import type { CardReader } from './reader.js';

/** The terminal's devices, built from a board description on its ports. */
export interface Devices {
  keypad: MatrixKeypad;
  /** null: no driver for this board's display yet; the terminal runs headless. */
  display: TextDisplay | null;
  reader: CardReader | null;
  close(): Promise<void>;
}

/**
 * Builds every device's driver on the board's ports: the same code for the Pi and the sim
 * board. Each driver checks its device answers when it starts, so a wiring fault stops the
 * terminal with the device and port named.
 */
export async function openDevices(board: BoardDescription, ports: BoardPorts, clock: Clock, log: Logger): Promise<Devices> {
  const kp = board.devices.keypad;
  const rows = await Promise.all(kp.rows.map((n) => ports.gpio(n, 'out', { initial: 0 })));
  const columns = await Promise.all(kp.columns.map((n) => ports.gpio(n, 'in')));
  const keypad = new MatrixKeypad({
    rows,
    columns,
    keymap: kp.keymap,
    clock,
    debounceMs: kp.debounceMs,
    onError: (err) => log.error({ event: 'keypad.fault', err }, 'keypad line fault'),
  });
  await keypad.start();
  return {
    keypad,
    display: null,
    reader: null,
    async close() {
      await keypad.close();
      for (const l of [...rows, ...columns]) await l.close();
    },
  };
}
