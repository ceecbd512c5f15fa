import { EscPosPrinter } from '../../src/printer/printer.js';
import { CSN_A2, type PrinterProfile } from '../../src/printer/profile.js';
import { PrintQueue, type PrintQueueOptions, type QueueStatus } from '../../src/printer/queue.js';
import type { MerchantInfo, TransactionReceiptData } from '../../src/printer/receipts/types.js';
import { PrinterEmulator, type PrinterEmulatorOptions } from '../../simulator/devices/printer/emulator.js';
import { createSerialPair } from '../../simulator/ports/serial-pair.js';
import { VirtualClock } from '../../simulator/ports/virtual-clock.js';

/**
 * A printer driver and queue on the terminal side of a serial pair with wire time, and
 * the printer emulator on the device side, all on a virtual clock. The emulator is the
 * only fake.
 */
export function rig(options: { profile?: PrinterProfile; emulator?: Partial<PrinterEmulatorOptions>; queue?: Partial<PrintQueueOptions>; connect?: boolean } = {}) {
  const profile = options.profile ?? CSN_A2;
  const clock = new VirtualClock(Date.UTC(2026, 0, 15, 1, 30, 0));
  const [host, device] = createSerialPair(clock, { baudRate: profile.baudRate, timing: true, paths: ['sim:printer', 'printer-emulator'] });
  const emu = new PrinterEmulator({ clock, dots: profile.dots, qr: profile.nativeQr, printRowsPerSecond: profile.printRowsPerSecond, ...options.emulator });
  if (options.connect ?? true) emu.connect(device);
  const printer = new EscPosPrinter({ link: host, clock, profile });
  const statuses: QueueStatus[] = [];
  const queue = new PrintQueue({ printer, clock, onStatus: (s) => statuses.push(s), ...options.queue });
  return { clock, host, device, emu, printer, queue, statuses, profile };
}

/** Advances virtual time in steps until `p` settles; fails after `maxMs`. */
export async function settleOn<T>(clock: VirtualClock, p: Promise<T>, maxMs = 300_000, stepMs = 20): Promise<T> {
  let state: { done: false } | { done: true; ok: boolean; value: unknown } = { done: false };
  p.then(
    (value) => (state = { done: true, ok: true, value }),
    (value) => (state = { done: true, ok: false, value }),
  );
  for (let t = 0; !state.done && t < maxMs; t += stepMs) await clock.advance(stepMs);
  const s = state as { done: boolean; ok?: boolean; value?: unknown };
  if (!s.done) throw new Error(`still pending after ${maxMs} ms of virtual time`);
  if (!s.ok) throw s.value;
  return s.value as T;
}

export const MERCHANT: MerchantInfo = { name: '示例商户', merchantId: '123456789012345', terminalId: '12345678', timeZone: 'Asia/Shanghai', operatorId: '01' };
export const MERCHANT_EN: MerchantInfo = { ...MERCHANT, name: 'Sample Store' };

/** A card number that must never be printed whole. */
export const FULL_PAN = '6222029876543210987';
export const MASKED_PAN = '622202*********0987';

export function sale(overrides: Partial<TransactionReceiptData> = {}): TransactionReceiptData {
  return {
    merchant: MERCHANT,
    kind: 'sale',
    maskedPan: MASKED_PAN,
    cardBrand: 'UNIONPAY',
    entryMode: 'chip',
    batch: '000007',
    trace: '000123',
    authCode: 'A1B2C3',
    rrn: '601512345678',
    time: Date.UTC(2026, 0, 15, 1, 30, 5),
    amount: 123456,
    currency: 'CNY',
    chip: { aid: 'A000000333010101', appLabel: 'UnionPay Debit', tc: '1122334455667788', tvr: '0000008000', tsi: 'E800' },
    cvm: 'signature',
    ...overrides,
  };
}
