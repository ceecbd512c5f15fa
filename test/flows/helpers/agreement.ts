/**
 * Do the terminal's journal and the acquirer's books tell the same story? What the soak and
 * the crash tests check once every reversal has been delivered:
 *
 *  - every sale the host approved is either approved in the journal or reversed at the host
 *    (nobody is charged for a sale the terminal does not stand by);
 *  - every sale approved in the journal is approved and not reversed at the host (the
 *    merchant is paid for every receipt);
 *  - every request that reached the host has its journal record (the record is durable
 *    before the request leaves);
 *  - no journal record is left without an outcome;
 *  - each account's balance moved by exactly what the journal holds approved for its card
 *    (nobody is charged twice).
 */
import type { LedgerTx } from '../../../simulator/host/ledger.js';
import type { JournalRecord } from '../../../src/store/journal.js';

export interface AgreementInput {
  terminalId: string;
  journal: readonly JournalRecord[];
  ledger: Iterable<LedgerTx>;
  /** Account id by keyed PAN hash (the journal keeps no PAN). */
  accountOfHash: Map<string, string>;
  /** Balance at the start minus balance now, by account id. */
  charged: Map<string, number>;
}

export interface Agreement {
  problems: string[];
  counts: Record<string, number>;
}

/** The host's key of a journal record: terminal ID, STAN, local date and time (fields 41, 11, 13, 12). */
function ledgerKey(terminalId: string, r: JournalRecord): string {
  return `${terminalId}|${r.stan}|${r.localDate}|${r.localTime}`;
}

export function checkAgreement(input: AgreementInput): Agreement {
  const problems: string[] = [];
  const counts: Record<string, number> = {};
  const count = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
  const byKey = new Map(input.journal.map((r) => [ledgerKey(input.terminalId, r), r]));
  const host = new Map<string, LedgerTx>();
  for (const tx of input.ledger) {
    if (tx.terminalId !== input.terminalId || tx.type !== 'sale') continue;
    host.set(tx.key, tx);
    count(`host.${tx.status}${tx.reversed ? '.reversed' : ''}`);
    const r = byKey.get(tx.key);
    if (!r) {
      problems.push(`host has sale ${tx.key} (${tx.status}) but the journal has no record of it`);
      continue;
    }
    if (tx.status === 'approved' && !tx.reversed && r.status !== 'approved') problems.push(`host approved ${tx.key} and did not reverse it, the journal says ${r.status}`);
    if (tx.amount !== r.amount) problems.push(`${tx.key}: host amount ${tx.amount}, journal ${r.amount}`);
  }
  const approvedByAccount = new Map<string, number>();
  for (const r of input.journal) {
    count(`journal.${r.status}`);
    if (r.status === 'pending' || r.status === 'reversal-pending') problems.push(`journal record ${r.id} still ${r.status}`);
    const tx = host.get(ledgerKey(input.terminalId, r));
    if (r.status === 'approved') {
      if (!tx || tx.status !== 'approved' || tx.reversed) problems.push(`journal approved ${r.id}, the host has it ${tx ? `${tx.status}${tx.reversed ? ', reversed' : ''}` : 'not at all'}`);
      const acc = r.panHash ? input.accountOfHash.get(r.panHash) : undefined;
      if (!acc) problems.push(`journal approved ${r.id} for a card of no known account`);
      else approvedByAccount.set(acc, (approvedByAccount.get(acc) ?? 0) + r.amount);
    }
  }
  for (const [acc, charged] of input.charged) {
    const want = approvedByAccount.get(acc) ?? 0;
    if (charged !== want) problems.push(`account ${acc} was charged ${charged}, the journal holds ${want} approved`);
  }
  return { problems, counts };
}
