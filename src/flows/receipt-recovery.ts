/**
 * Receipts owed after a restart. A transaction's receipt printing is kept in the journal
 * (receipts.ts): a 'started' mark on disk before the merchant copy is submitted, then one
 * mark per copy once the print queue has it out to its end. A power cut, crash or kill
 * between the two leaves a copy unmarked; at the next start each such copy of the open
 * batch is rebuilt from the journal and queued again, marked REPRINT (journal-receipt.ts),
 * then marked printed, so it comes out once: a further start finds nothing owed. A copy
 * that was printed to its end just before the power went, and not marked yet, comes out a
 * second time, marked: printing twice marked is allowed, unmarked never (src/printer/queue.ts).
 *
 * The merchant copy prints the CVM the 'started' mark kept (its signature or "PIN verified"
 * line). Transactions from before receipts were marked have no marks: never reprinted here.
 * The jobs go on the print queue without the main loop waiting for them: a printer out of
 * paper holds them (and the next sale's receipts behind them) until paper is loaded, never
 * the terminal.
 */
import { ValidationError } from '../errors.js';
import { transactionReceipt } from '../printer/index.js';
import type { TerminalContext } from '../runtime/context.js';
import { receiptFromJournal } from './journal-receipt.js';

/** Queues every receipt copy the journal says is owed; returns how many were queued. */
export function printOwedReceipts(ctx: TerminalContext): number {
  const journal = ctx.payments?.online.journal;
  const printer = ctx.printer;
  if (!journal || !printer) return 0;
  let queued = 0;
  for (const { record, copies } of journal.receiptsOwed()) {
    const data = receiptFromJournal(journal, ctx.settings, record);
    // Reversed since (an approval the terminal could not complete): no receipt stands.
    if (!data) continue;
    let docs;
    try {
      docs = transactionReceipt({ ...data, cvm: record.receipt?.cvm ?? data.cvm, reprint: true }, { lang: ctx.lang, paper: printer.profile.dots === 576 ? 80 : 58 });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      ctx.log.error({ event: 'receipt.owedBadRecord', stan: record.stan, code: e.code }, 'an owed receipt cannot be rebuilt from the journal');
      continue;
    }
    for (const copy of copies) {
      const ticket = printer.submit(docs[copy]);
      queued++;
      ctx.log.info({ event: 'receipt.owed', stan: record.stan, batch: record.batch, copy }, 'a receipt copy cut short before the restart is printed again');
      ticket.done.then(
        () => journal.markReceipt(record.id, copy).catch((err: unknown) => ctx.log.error({ event: 'receipt.markFailed', copy, err }, 'the receipt mark was not kept')),
        // The queue closed first (the terminal stopping): still owed at the next start.
        () => undefined,
      );
    }
  }
  return queued;
}
