/**
 * A sale receipt (merchant and customer copies) on the CSN-A2 profile at 19200 baud: the
 * bytes it costs and how long it takes to come out, on the virtual clock: the serial pair
 * models wire time (10 bit times a byte) and the printer emulator the mechanism (400 dot
 * rows a second), the driver paces between them. Prints one JSON object a line:
 * {"name","value","unit",...}. Figures are modelled, not measured on hardware.
 */
import { EscPosPrinter } from '../src/printer/printer.js';
import { CSN_A2, mechanismMs, wireMs } from '../src/printer/profile.js';
import { PrintQueue } from '../src/printer/queue.js';
import { transactionReceipt } from '../src/printer/receipts/index.js';
import { renderDocument } from '../src/printer/render.js';
import { PrinterEmulator } from '../simulator/devices/printer/emulator.js';
import { createSerialPair } from '../simulator/ports/serial-pair.js';
import { VirtualClock } from '../simulator/ports/virtual-clock.js';

function emit(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ name, value, unit, ...extra })}\n`);
}

const merchant = { name: '示例商户', merchantId: '123456789012345', terminalId: '12345678', timeZone: 'Asia/Shanghai', operatorId: '01' };

for (const lang of ['zh-CN', 'en'] as const) {
  const copies = transactionReceipt(
    {
      merchant: lang === 'en' ? { ...merchant, name: 'Sample Store' } : merchant,
      kind: 'sale',
      maskedPan: '622202*********0987',
      cardBrand: 'UNIONPAY',
      entryMode: 'chip',
      batch: '000007',
      trace: '000123',
      authCode: 'A1B2C3',
      rrn: '601512345678',
      time: Date.UTC(2026, 0, 15, 1, 30, 5),
      amount: 123456,
      currency: 'CNY',
      chip: { aid: 'A000000333010101', tc: '1122334455667788', tvr: '0000008000', tsi: 'E800' },
      cvm: 'signature',
      qr: 'https://receipts.example/r/000123',
    },
    { lang, paper: 58 },
  );
  const clock = new VirtualClock();
  const [host, device] = createSerialPair(clock, { baudRate: CSN_A2.baudRate, timing: true });
  const emu = new PrinterEmulator({ clock, dots: CSN_A2.dots, printRowsPerSecond: CSN_A2.printRowsPerSecond });
  emu.connect(device);
  const printer = new EscPosPrinter({ link: host, clock, profile: CSN_A2 });
  const queue = new PrintQueue({ printer, clock });
  const t0 = clock.monotonic();
  const wall0 = performance.now();
  const done = Promise.all([queue.submit(copies.merchant).done, queue.submit(copies.customer).done]);
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) await clock.advance(10);
  const modelled = clock.monotonic() - t0;
  const wall = performance.now() - wall0;
  await queue.close();

  const segments = [...renderDocument(copies.merchant, CSN_A2), ...renderDocument(copies.customer, CSN_A2)];
  const receiptBytes = segments.reduce((n, s) => n + s.bytes.length, 0);
  const rows = segments.reduce((n, s) => n + s.printRows + s.feedRows, 0);
  const note = `${lang}, 58 mm, CSN-A2 at 19200 baud, both copies, customer copy with a raster QR code`;
  const noQr = { ...copies.customer, blocks: copies.customer.blocks.filter((b) => b.kind !== 'qr') };
  const withoutQr = [...renderDocument(copies.merchant, CSN_A2), ...renderDocument(noQr, CSN_A2)].reduce((n, s) => n + s.bytes.length, 0);
  emit(`printer_sale_receipt_bytes_${lang}`, receiptBytes, 'bytes', { note, withoutQr, onTheWire: host.written.reduce((n, c) => n + c.length, 0) });
  emit(`printer_sale_receipt_wire_time_${lang}`, Math.round(wireMs(CSN_A2, receiptBytes)), 'ms', { note: 'bytes x 10 bits / 19200 baud' });
  emit(`printer_sale_receipt_mechanism_time_${lang}`, Math.round(mechanismMs(CSN_A2, rows, 0)), 'ms', { note: `${rows} dot rows at ${CSN_A2.printRowsPerSecond} rows/s` });
  emit(`printer_sale_receipt_print_time_${lang}`, modelled, 'ms', { note: `${note}: submit to both copies done on the virtual clock (wire, pacing, status checks, mechanism)`, receipts: emu.receipts.length, protocolErrors: emu.errors.length });
  emit(`printer_sale_receipt_simulation_cpu_${lang}`, Math.round(wall), 'ms', { note: 'wall time to simulate it on this machine' });
}
