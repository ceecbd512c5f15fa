/**
 * What offline data authentication returns: a value, or the first check that failed, named.
 * A failed check is an expected result (the kernel sets a TVR bit and decides), not an
 * exception: a card with a bad certificate is a card the terminal declines or sends online.
 */

/** Every check of EMV 4.4 Book 2 chapters 5 and 6 (and Book C-3's fDDA) that can fail. */
export type OdaCheck =
  // Book 2 5.2 / 6.2: the data needed is there and the CA key is known.
  | 'CA_KEY_INDEX_MISSING'
  | 'CA_KEY_NOT_FOUND'
  | 'CA_KEY_EXPIRED'
  | 'ISSUER_CERT_MISSING'
  | 'ISSUER_EXPONENT_MISSING'
  // Book 2 5.3 / 6.3, steps 1 to 11 for the Issuer Public Key Certificate.
  | 'ISSUER_CERT_LENGTH'
  | 'ISSUER_CERT_TRAILER'
  | 'ISSUER_CERT_HEADER'
  | 'ISSUER_CERT_FORMAT'
  | 'ISSUER_CERT_HASH_ALGORITHM'
  | 'ISSUER_REMAINDER_LENGTH'
  | 'ISSUER_CERT_HASH'
  | 'ISSUER_ID_MISMATCH'
  | 'ISSUER_CERT_EXPIRED'
  | 'ISSUER_KEY_ALGORITHM'
  // Book 2 6.4, steps 1 to 11 for the ICC Public Key Certificate.
  | 'ICC_CERT_MISSING'
  | 'ICC_EXPONENT_MISSING'
  | 'ICC_CERT_LENGTH'
  | 'ICC_CERT_TRAILER'
  | 'ICC_CERT_HEADER'
  | 'ICC_CERT_FORMAT'
  | 'ICC_CERT_HASH_ALGORITHM'
  | 'ICC_REMAINDER_LENGTH'
  | 'ICC_CERT_HASH'
  | 'ICC_PAN_MISMATCH'
  | 'ICC_CERT_EXPIRED'
  | 'ICC_KEY_ALGORITHM'
  // Book 2 5.4 / 6.4: the records to be signed were not as the rules want them.
  | 'STATIC_DATA_INVALID'
  // Book 2 5.4, steps 1 to 7 for the Signed Static Application Data (93) of SDA.
  | 'SSAD_MISSING'
  | 'SSAD_LENGTH'
  | 'SSAD_TRAILER'
  | 'SSAD_HEADER'
  | 'SSAD_FORMAT'
  | 'SSAD_HASH_ALGORITHM'
  | 'SSAD_HASH'
  // Book 2 6.5.1: the DDOL (the card's, else the terminal's default) lacks the Unpredictable Number.
  | 'DDOL_WITHOUT_UNPREDICTABLE_NUMBER'
  // Book 3 6.5.9: INTERNAL AUTHENTICATE did not give a usable answer.
  | 'INTERNAL_AUTHENTICATE_FAILED'
  // Book 2 6.5.2 (DDA, fDDA) and 6.6.2 (CDA): the Signed Dynamic Application Data.
  | 'SDAD_MISSING'
  | 'SDAD_LENGTH'
  | 'SDAD_TRAILER'
  | 'SDAD_HEADER'
  | 'SDAD_FORMAT'
  | 'SDAD_HASH_ALGORITHM'
  | 'SDAD_DYNAMIC_DATA_LENGTH'
  | 'SDAD_HASH'
  | 'SDAD_CID_MISMATCH'
  | 'SDAD_TRANSACTION_DATA_HASH'
  | 'CARD_AUTH_DATA_MISSING'
  // Book 2 7.1: neither an ICC PIN Encipherment Public Key Certificate (9F2D) nor an ICC Public Key Certificate (9F46).
  | 'PIN_KEY_MISSING';

export interface OdaFailure {
  check: OdaCheck;
  /** For people: which check and what it saw (lengths, bytes of headers), never card data. */
  message: string;
}

export type OdaResult<T> = { ok: true; value: T } | { ok: false; failure: OdaFailure };

export function odaOk<T>(value: T): OdaResult<T> {
  return { ok: true, value };
}

export function odaFail<T>(check: OdaCheck, message: string): OdaResult<T> {
  return { ok: false, failure: { check, message } };
}
