import { fromHex } from '../../src/hex.js';

/**
 * The DUKPT keys of a terminal talking to the acquirer simulator: the ANSI X9.24-1 test BDK
 * (accounts.json `bdks`, key set FFFF987654) and the initial KSN of its published test
 * sequence. Test keys, public: a sim board loads them on its first start.
 */
export const SIM_TERMINAL_KEYS = Object.freeze({
  bdk: fromHex('0123456789ABCDEFFEDCBA9876543210'),
  initialKsn: fromHex('FFFF9876543210E00000'),
});
