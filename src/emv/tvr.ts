/**
 * Terminal Verification Results (95) and Transaction Status Information (9B): the bits the
 * kernel sets as it goes, named as EMV 4.4 Book 3 Annex C5 (TVR) and C6 (TSI) name them.
 * Each entry is [byte index from 0, mask].
 */
export const TVR = Object.freeze({
  // Byte 1
  odaNotPerformed: [0, 0x80],
  sdaFailed: [0, 0x40],
  iccDataMissing: [0, 0x20],
  exceptionFile: [0, 0x10],
  ddaFailed: [0, 0x08],
  cdaFailed: [0, 0x04],
  // Byte 2
  differentVersions: [1, 0x80],
  expiredApplication: [1, 0x40],
  notYetEffective: [1, 0x20],
  serviceNotAllowed: [1, 0x10],
  newCard: [1, 0x08],
  // Byte 3
  cvmNotSuccessful: [2, 0x80],
  unrecognisedCvm: [2, 0x40],
  pinTryLimitExceeded: [2, 0x20],
  pinPadMissing: [2, 0x10],
  pinNotEntered: [2, 0x08],
  onlinePinEntered: [2, 0x04],
  // Byte 4
  floorLimitExceeded: [3, 0x80],
  lowerOfflineLimitExceeded: [3, 0x40],
  upperOfflineLimitExceeded: [3, 0x20],
  randomlySelectedOnline: [3, 0x10],
  merchantForcedOnline: [3, 0x08],
  // Byte 5
  defaultTdolUsed: [4, 0x80],
  issuerAuthenticationFailed: [4, 0x40],
  scriptFailedBeforeFinalAc: [4, 0x20],
  scriptFailedAfterFinalAc: [4, 0x10],
} as const satisfies Record<string, readonly [number, number]>);

export type TvrBit = keyof typeof TVR;

export const TSI = Object.freeze({
  odaPerformed: [0, 0x80],
  cardholderVerificationPerformed: [0, 0x40],
  cardRiskManagementPerformed: [0, 0x20],
  issuerAuthenticationPerformed: [0, 0x10],
  terminalRiskManagementPerformed: [0, 0x08],
  scriptProcessingPerformed: [0, 0x04],
} as const satisfies Record<string, readonly [number, number]>);

export type TsiBit = keyof typeof TSI;

export function setTvr(tvr: Uint8Array, bit: TvrBit): void {
  const [i, mask] = TVR[bit];
  tvr[i] = tvr[i]! | mask;
}

export function hasTvr(tvr: Uint8Array, bit: TvrBit): boolean {
  const [i, mask] = TVR[bit];
  return (tvr[i]! & mask) !== 0;
}

export function setTsi(tsi: Uint8Array, bit: TsiBit): void {
  const [i, mask] = TSI[bit];
  tsi[i] = tsi[i]! | mask;
}

/** The names of the TVR bits that are set, for logs and tests. */
export function tvrBits(tvr: Uint8Array): TvrBit[] {
  return (Object.keys(TVR) as TvrBit[]).filter((b) => hasTvr(tvr, b));
}

export function tsiBits(tsi: Uint8Array): TsiBit[] {
  return (Object.keys(TSI) as TsiBit[]).filter((b) => {
    const [i, mask] = TSI[b];
    return (tsi[i]! & mask) !== 0;
  });
}
