/**
 * 撤销: the void of a sale of the open batch (docs/host-spec.md section 4: a 0200 with
 * processing code 020000, its own STAN and receipt, reversed itself when its answer is lost).
 *
 *   supervisor password -> the sale's trace (voucher) number -> the sale shown (amount,
 *   masked card, date), ENTER -> the card again where settings.voidNeedsCard -> online ->
 *   result, void receipt (merchant and cardholder copies); the journal marks the sale voided
 *   once the host approved (online.ts applyVoid).
 *
 * Refused before anything is sent, each with its words on screen: no such sale, already
 * voided, already refunded, not an approval, another card. A sale of a settled batch cannot
 * be voided: the screen says so and ENTER goes on to its refund.
 */
import { t, type MessageKey } from '../ui/messages.js';
import { messageScreen } from '../ui/screens.js';
import { choose } from './choose.js';
import { layout, show } from './layout.js';
import { authoriseOnline } from './online.js';
import type { OperatorsContext } from './operators.js';
import { refundSale } from './refund.js';
import { isSaleCard, type CardAgain, type ReturnOptions } from './return-card.js';
import { saleByTrace, voidCheck } from './return-lookup.js';
import { keyTrace, supervisorFor } from './return-steps.js';
import { finishOnline, refuse, type ReturnOutcome } from './return-result.js';
import { brandOf } from './sale.js';
import { confirmSale, entryOfSale, NO_CARD } from './sale-confirm.js';

const TITLE: MessageKey = 'void.title';

export async function voidSale(ctx: OperatorsContext, signal: AbortSignal, options: ReturnOptions = {}): Promise<ReturnOutcome> {
  const say = (key: MessageKey) => t(ctx.lang, key);
  const payments = ctx.payments;
  if (!payments) return refuse(ctx, signal, TITLE, 'no-payments', ['', say('return.noPayments')]);
  const denied = await supervisorFor(ctx, signal, TITLE);
  if (denied) return denied;
  const journal = payments.online.journal;
  const trace = await keyTrace(ctx, signal, TITLE);
  const sale = saleByTrace(journal, trace, journal.batch);
  if (!sale) return refuse(ctx, signal, TITLE, 'not-found', ['', say('return.notFound')]);
  switch (voidCheck(sale, journal.batch)) {
    case 'voided':
      return refuse(ctx, signal, TITLE, 'already-voided', ['', say('return.voided')]);
    case 'refunded':
      return refuse(ctx, signal, TITLE, 'already-refunded', ['', say('return.refunded')]);
    case 'not-approved':
      return refuse(ctx, signal, TITLE, 'not-approved', ['', say('return.notApproved')]);
    case 'settled': {
      // The host refuses the void of a settled sale (12): what the merchant wants is its refund.
      ctx.log.info({ event: 'void.settled', stan: sale.stan, batch: sale.batch }, 'the sale is settled: refund offered');
      await choose(ctx, signal, messageScreen(layout(ctx), TITLE, ['', say('void.settled'), say('void.offerRefund')]), ['ENTER'], 'confirmTimeout');
      return refundSale(ctx, signal, { ...options, original: sale, supervisorChecked: true });
    }
    case 'ok':
      break;
  }
  await confirmSale(ctx, signal, TITLE, sale);
  let card: CardAgain | undefined;
  if (ctx.settings.voidNeedsCard) {
    if (!options.readCard) return refuse(ctx, signal, TITLE, 'card-step-missing', ['', say('return.cardStepMissing')]);
    card = await options.readCard(ctx, signal, { kind: 'void', amount: sale.amount });
    if (!isSaleCard(payments.online.secrets, card, sale)) {
      card.wipe();
      return refuse(ctx, signal, TITLE, 'card-mismatch', ['', say('return.cardMismatch')]);
    }
  }
  ctx.indicators?.processing();
  show(ctx, messageScreen(layout(ctx), TITLE, ['', say('sale.online')]));
  let out;
  try {
    out = await authoriseOnline(payments.online, { kind: 'void', saleId: sale.id, ...(card ? { card: card.read } : {}), signal });
  } finally {
    card?.wipe();
  }
  return finishOnline(ctx, signal, TITLE, out, (ok) => {
    const maskedPan = ok.record.maskedPan ?? sale.maskedPan ?? NO_CARD;
    return {
      kind: 'void',
      maskedPan,
      cardBrand: card?.brand ?? brandOf(undefined, maskedPan),
      entryMode: card?.entry ?? entryOfSale(sale),
      batch: String(ok.record.batch).padStart(6, '0'),
      trace: ok.record.stan,
      authCode: ok.authCode,
      rrn: ok.rrn,
      time: ctx.clock.now(),
      amount: sale.amount,
      original: { trace: sale.stan },
      cvm: 'none',
    };
  });
}
