/**
 * Where the online step takes the KSN and MACs of a request (docs/host-spec.md 6.9, 6.12):
 * one DUKPT transaction of the key store per MACed request, and when the card asked for
 * a PIN, the transaction that encrypted the PIN block, so field 53 names one key for both.
 */
import type { MacKeySource, TransactionMacKeys } from '../host/mac-keys.js';
import { transactionMacs } from '../host/mac-keys.js';
import type { DukptSession, DukptTransactionKeys } from '../security/dukpt-pin.js';

function macKeysOf(tx: DukptTransactionKeys): TransactionMacKeys {
  // The MAC hooks keep copies of the two MAC keys; the transaction's own keys are wiped by its owner.
  return { ksn: tx.ksn.slice(), mac: transactionMacs(tx.working, tx.pinKeyAlgorithm === 'aes' ? 'aes' : 'tdes') };
}

/** A MacKeySource on the key store: each call moves the DUKPT counter on durably first. */
export function macKeySourceOf(store: { beginTransaction(): Promise<DukptTransactionKeys> }): MacKeySource {
  return {
    next: async () => {
      const tx = await store.beginTransaction();
      try {
        return macKeysOf(tx);
      } finally {
        tx.wipe();
      }
    },
  };
}

/** The MAC keys of the session that encrypted the PIN (the same KSN); begins it when nothing has. */
export async function sessionMacKeys(session: DukptSession): Promise<TransactionMacKeys> {
  return macKeysOf(await session.keys());
}
