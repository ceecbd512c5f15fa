/**
 * Status words SW1-SW2 in words people read: ISO/IEC 7816-4:2005 5.1.3 (Tables 5 and 6),
 * with the meaning EMV gives some of them where it says more (EMV 4.4 Book 3 6.3.5 and the
 * command descriptions of 6.5; Book 1 chapter 12 for SELECT).
 */

export type StatusKind = 'normal' | 'warning' | 'execution-error' | 'checking-error' | 'unknown';

const TEXTS: ReadonlyMap<number, string> = new Map([
  [0x9000, 'normal processing'],
  [0x6200, 'warning: no information given (state unchanged)'],
  [0x6281, 'warning: part of the returned data may be corrupted'],
  [0x6282, 'warning: end of file or record reached before reading Le bytes'],
  // EMV 4.4 Book 1 chapter 12 (selection): a SELECT answered 6283 means the application is blocked.
  [0x6283, 'warning: selected file deactivated (application blocked)'],
  [0x6284, 'warning: file control information not formatted per ISO/IEC 7816-4'],
  [0x6285, 'warning: selected file in termination state'],
  [0x6286, 'warning: no input data available from a sensor on the card'],
  [0x6300, 'warning: no information given (state changed)'],
  [0x6381, 'warning: file filled up by the last write'],
  [0x6400, 'execution error: state of non-volatile memory unchanged'],
  [0x6500, 'execution error: state of non-volatile memory changed'],
  [0x6581, 'execution error: memory failure'],
  [0x6700, 'wrong length'],
  [0x6800, 'functions in CLA not supported'],
  [0x6881, 'logical channel not supported'],
  [0x6882, 'secure messaging not supported'],
  [0x6883, 'last command of the chain expected'],
  [0x6884, 'command chaining not supported'],
  [0x6900, 'command not allowed'],
  [0x6981, 'command incompatible with file structure'],
  [0x6982, 'security status not satisfied'],
  // EMV 4.4 Book 3 6.5.12: VERIFY answered 6983 means the PIN try limit was exceeded.
  [0x6983, 'authentication method blocked (PIN try limit exceeded)'],
  [0x6984, 'reference data not usable'],
  [0x6985, 'conditions of use not satisfied'],
  [0x6986, 'command not allowed (no current EF)'],
  [0x6987, 'expected secure messaging data objects missing'],
  [0x6988, 'incorrect secure messaging data objects'],
  [0x6a00, 'wrong parameters P1-P2'],
  [0x6a80, 'incorrect parameters in the data field'],
  // EMV 4.4 Book 1 chapter 12 (selection): SELECT answered 6A81 means the card or the application is blocked.
  [0x6a81, 'function not supported (card or application blocked)'],
  [0x6a82, 'file or application not found'],
  [0x6a83, 'record not found'],
  [0x6a84, 'not enough memory space in the file'],
  [0x6a85, 'Lc inconsistent with TLV structure'],
  [0x6a86, 'incorrect parameters P1-P2'],
  [0x6a87, 'Lc inconsistent with parameters P1-P2'],
  [0x6a88, 'referenced data or reference data not found'],
  [0x6a89, 'file already exists'],
  [0x6a8a, 'DF name already exists'],
  [0x6b00, 'wrong parameters P1-P2'],
  [0x6d00, 'instruction code not supported or invalid'],
  [0x6e00, 'class not supported'],
  [0x6f00, 'no precise diagnosis'],
]);

/** The class of a status word (ISO/IEC 7816-4:2005 5.1.3). */
export function statusKind(sw: number): StatusKind {
  const sw1 = sw >> 8;
  if (sw === 0x9000 || sw1 === 0x61) return 'normal';
  if (sw1 === 0x62 || sw1 === 0x63) return 'warning';
  if (sw1 >= 0x64 && sw1 <= 0x66) return 'execution-error';
  if (sw1 >= 0x67 && sw1 <= 0x6f) return 'checking-error';
  return 'unknown';
}

/** "6A82 file or application not found": the status word and what it means. */
export function statusText(sw: number): string {
  const code = sw.toString(16).toUpperCase().padStart(4, '0');
  return `${code} ${describe(sw)}`;
}

function describe(sw: number): string {
  const exact = TEXTS.get(sw);
  if (exact) return exact;
  const sw1 = sw >> 8;
  const sw2 = sw & 0xff;
  if (sw1 === 0x61) return `${sw2 === 0 ? '256 or more' : sw2} response bytes still available`;
  if (sw1 === 0x6c) return `wrong Le field: exactly ${sw2 === 0 ? 256 : sw2} bytes available`;
  // ISO/IEC 7816-4 Table 6: 63Cx is a counter; after a VERIFY, the PIN tries left (Book 3 6.5.12).
  if (sw1 === 0x63 && (sw2 & 0xf0) === 0xc0) return `counter: ${sw2 & 0x0f} (PIN tries left after a failed VERIFY)`;
  switch (statusKind(sw)) {
    case 'warning':
      return sw1 === 0x62 ? 'warning (state unchanged)' : 'warning (state changed)';
    case 'execution-error':
      return sw1 === 0x66 ? 'security-related execution error' : 'execution error';
    case 'checking-error':
      return 'checking error';
    default:
      return 'unknown status';
  }
}
