/**
 * The tag dictionary: what each data object is called, its format, who supplies it and how
 * long it may be. EMV 4.4 Book 3 Annex A1 (Table 33) for the EMV tags, EMV Contactless
 * Book B (Entry Point) for the selection tags, Book C-3 (Visa) for the contactless tags most
 * kernels share, Book C-2 (Mastercard) for the DF81xx kernel tags.
 *
 * Lengths are in bytes of the value field. Formats follow Book 3 4.3: n (BCD, right
 * justified, leading zeros), cn (BCD, left justified, trailing F), a / an / ans (ASCII),
 * b (binary), var (a template or a list whose format is its own).
 */
import { PosError } from '../errors.js';
import { tagToHex } from './tlv.js';

export type TagFormat = 'n' | 'cn' | 'a' | 'an' | 'ans' | 'b' | 'var';
export type TagSource = 'ICC' | 'terminal' | 'issuer';
/** Kernels whose tags mean something else than in the common table (Book C-2 reuses 9F6x). */
export type Kernel = 'C-2';

export interface TagInfo {
  tag: number;
  name: string;
  format: TagFormat;
  source: TagSource;
  /** Smallest and largest value length in bytes. */
  minLength: number;
  maxLength: number;
}

/** Largest certificate or signature: a modulus of 2048 bits (EMV keys go up to 1984). */
const NI = 256;

type Row = [tag: number, name: string, format: TagFormat, source: TagSource, min: number, max?: number];

/** EMV 4.4 Book 3 Annex A1, names shortened the way `pos tool tlv` prints them. */
const EMV: Row[] = [
  [0x42, 'Issuer Identification Number (IIN)', 'n', 'ICC', 3],
  [0x4f, 'Application Identifier (AID) - card', 'b', 'ICC', 5, 16],
  [0x50, 'Application Label', 'ans', 'ICC', 1, 16],
  [0x56, 'Track 1 Data', 'ans', 'ICC', 1, 76], // Book C-2 Annex A
  [0x57, 'Track 2 Equivalent Data', 'b', 'ICC', 1, 19],
  [0x5a, 'Application PAN', 'cn', 'ICC', 1, 10],
  [0x5f20, 'Cardholder Name', 'ans', 'ICC', 2, 26],
  [0x5f24, 'Application Expiration Date', 'n', 'ICC', 3],
  [0x5f25, 'Application Effective Date', 'n', 'ICC', 3],
  [0x5f28, 'Issuer Country Code', 'n', 'ICC', 2],
  [0x5f2a, 'Transaction Currency Code', 'n', 'terminal', 2],
  [0x5f2d, 'Language Preference', 'an', 'ICC', 2, 8],
  [0x5f30, 'Service Code', 'n', 'ICC', 2],
  [0x5f34, 'Application PAN Sequence Number', 'n', 'ICC', 1],
  [0x5f36, 'Transaction Currency Exponent', 'n', 'terminal', 1],
  [0x5f50, 'Issuer URL', 'ans', 'ICC', 1, 255],
  [0x5f53, 'International Bank Account Number (IBAN)', 'var', 'ICC', 1, 34],
  [0x5f54, 'Bank Identifier Code (BIC)', 'var', 'ICC', 8, 11],
  [0x5f55, 'Issuer Country Code (alpha2 format)', 'a', 'ICC', 2],
  [0x5f56, 'Issuer Country Code (alpha3 format)', 'a', 'ICC', 3],
  [0x5f57, 'Account Type', 'n', 'terminal', 1],
  [0x61, 'Application Template', 'var', 'ICC', 0, 252],
  [0x6f, 'FCI Template', 'var', 'ICC', 0, 252],
  [0x70, 'READ RECORD Response Message Template', 'var', 'ICC', 0, 252],
  [0x71, 'Issuer Script Template 1', 'var', 'issuer', 0, 255],
  [0x72, 'Issuer Script Template 2', 'var', 'issuer', 0, 255],
  [0x73, 'Directory Discretionary Template', 'var', 'ICC', 0, 252],
  [0x77, 'Response Message Template Format 2', 'var', 'ICC', 0, 255],
  [0x80, 'Response Message Template Format 1', 'var', 'ICC', 0, 255],
  [0x81, 'Amount, Authorised (Binary)', 'b', 'terminal', 4],
  [0x82, 'Application Interchange Profile', 'b', 'ICC', 2],
  [0x83, 'Command Template', 'b', 'terminal', 0, 255],
  [0x84, 'Dedicated File (DF) Name', 'b', 'ICC', 5, 16],
  [0x86, 'Issuer Script Command', 'b', 'issuer', 1, 261],
  [0x87, 'Application Priority Indicator', 'b', 'ICC', 1],
  [0x88, 'Short File Identifier (SFI)', 'b', 'ICC', 1],
  [0x89, 'Authorisation Code', 'ans', 'issuer', 6],
  [0x8a, 'Authorisation Response Code', 'an', 'issuer', 2],
  [0x8c, 'CDOL1', 'b', 'ICC', 0, 252],
  [0x8d, 'CDOL2', 'b', 'ICC', 0, 252],
  [0x8e, 'Cardholder Verification Method (CVM) List', 'b', 'ICC', 10, 252],
  [0x8f, 'CA Public Key Index - card', 'b', 'ICC', 1],
  [0x90, 'Issuer Public Key Certificate', 'b', 'ICC', 1, NI],
  [0x91, 'Issuer Authentication Data', 'b', 'issuer', 8, 16],
  [0x92, 'Issuer Public Key Remainder', 'b', 'ICC', 1, NI],
  [0x93, 'Signed Static Application Data', 'b', 'ICC', 1, NI],
  [0x94, 'Application File Locator (AFL)', 'var', 'ICC', 0, 252],
  [0x95, 'Terminal Verification Results', 'b', 'terminal', 5],
  [0x97, 'TDOL', 'b', 'ICC', 0, 252],
  [0x98, 'TC Hash Value', 'b', 'terminal', 20],
  [0x99, 'Transaction PIN Data', 'b', 'terminal', 0, 255],
  [0x9a, 'Transaction Date', 'n', 'terminal', 3],
  [0x9b, 'Transaction Status Information', 'b', 'terminal', 2],
  [0x9c, 'Transaction Type', 'n', 'terminal', 1],
  [0x9d, 'Directory Definition File (DDF) Name', 'b', 'ICC', 5, 16],
  [0x9f01, 'Acquirer Identifier', 'n', 'terminal', 6],
  [0x9f02, 'Amount, Authorised (Numeric)', 'n', 'terminal', 6],
  [0x9f03, 'Amount, Other (Numeric)', 'n', 'terminal', 6],
  [0x9f04, 'Amount, Other (Binary)', 'b', 'terminal', 4],
  [0x9f05, 'Application Discretionary Data', 'b', 'ICC', 1, 32],
  [0x9f06, 'Application Identifier (AID) - terminal', 'b', 'terminal', 5, 16],
  [0x9f07, 'Application Usage Control', 'b', 'ICC', 2],
  [0x9f08, 'Application Version Number - card', 'b', 'ICC', 2],
  [0x9f09, 'Application Version Number - terminal', 'b', 'terminal', 2],
  [0x9f0b, 'Cardholder Name Extended', 'ans', 'ICC', 27, 45],
  [0x9f0d, 'Issuer Action Code - Default', 'b', 'ICC', 5],
  [0x9f0e, 'Issuer Action Code - Denial', 'b', 'ICC', 5],
  [0x9f0f, 'Issuer Action Code - Online', 'b', 'ICC', 5],
  [0x9f10, 'Issuer Application Data', 'b', 'ICC', 1, 32],
  [0x9f11, 'Issuer Code Table Index', 'n', 'ICC', 1],
  [0x9f12, 'Application Preferred Name', 'ans', 'ICC', 1, 16],
  [0x9f13, 'Last Online ATC Register', 'b', 'ICC', 2],
  [0x9f14, 'Lower Consecutive Offline Limit', 'b', 'ICC', 1],
  [0x9f15, 'Merchant Category Code', 'n', 'terminal', 2],
  [0x9f16, 'Merchant Identifier', 'ans', 'terminal', 15],
  [0x9f17, 'PIN Try Counter', 'b', 'ICC', 1],
  [0x9f18, 'Issuer Script Identifier', 'b', 'issuer', 4],
  [0x9f19, 'Token Requestor ID', 'n', 'ICC', 6],
  [0x9f1a, 'Terminal Country Code', 'n', 'terminal', 2],
  [0x9f1b, 'Terminal Floor Limit', 'b', 'terminal', 4],
  [0x9f1c, 'Terminal Identification', 'an', 'terminal', 8],
  [0x9f1d, 'Terminal Risk Management Data', 'b', 'terminal', 1, 8],
  [0x9f1e, 'Interface Device (IFD) Serial Number', 'an', 'terminal', 8],
  [0x9f1f, 'Track 1 Discretionary Data', 'ans', 'ICC', 0, 255],
  [0x9f20, 'Track 2 Discretionary Data', 'cn', 'ICC', 0, 255],
  [0x9f21, 'Transaction Time', 'n', 'terminal', 3],
  [0x9f22, 'CA Public Key Index - terminal', 'b', 'terminal', 1],
  [0x9f23, 'Upper Consecutive Offline Limit', 'b', 'ICC', 1],
  [0x9f24, 'Payment Account Reference (PAR)', 'an', 'ICC', 29],
  [0x9f25, 'Last 4 Digits of PAN', 'n', 'ICC', 2],
  [0x9f26, 'Application Cryptogram', 'b', 'ICC', 8],
  [0x9f27, 'Cryptogram Information Data', 'b', 'ICC', 1],
  [0x9f2d, 'ICC PIN Encipherment Public Key Certificate', 'b', 'ICC', 1, NI],
  [0x9f2e, 'ICC PIN Encipherment Public Key Exponent', 'b', 'ICC', 1, 3],
  [0x9f2f, 'ICC PIN Encipherment Public Key Remainder', 'b', 'ICC', 1, NI],
  [0x9f32, 'Issuer Public Key Exponent', 'b', 'ICC', 1, 3],
  [0x9f33, 'Terminal Capabilities', 'b', 'terminal', 3],
  [0x9f34, 'CVM Results', 'b', 'terminal', 3],
  [0x9f35, 'Terminal Type', 'n', 'terminal', 1],
  [0x9f36, 'Application Transaction Counter (ATC)', 'b', 'ICC', 2],
  [0x9f37, 'Unpredictable Number', 'b', 'terminal', 4],
  [0x9f38, 'PDOL', 'b', 'ICC', 0, 252],
  [0x9f39, 'POS Entry Mode', 'n', 'terminal', 1],
  [0x9f3a, 'Amount, Reference Currency', 'b', 'terminal', 4],
  [0x9f3b, 'Application Reference Currency', 'n', 'ICC', 2, 8],
  [0x9f3c, 'Transaction Reference Currency Code', 'n', 'terminal', 2],
  [0x9f3d, 'Transaction Reference Currency Exponent', 'n', 'terminal', 1],
  [0x9f40, 'Additional Terminal Capabilities', 'b', 'terminal', 5],
  [0x9f41, 'Transaction Sequence Counter', 'n', 'terminal', 2, 4],
  [0x9f42, 'Application Currency Code', 'n', 'ICC', 2],
  [0x9f43, 'Application Reference Currency Exponent', 'n', 'ICC', 1, 4],
  [0x9f44, 'Application Currency Exponent', 'n', 'ICC', 1],
  [0x9f45, 'Data Authentication Code', 'b', 'ICC', 2],
  [0x9f46, 'ICC Public Key Certificate', 'b', 'ICC', 1, NI],
  [0x9f47, 'ICC Public Key Exponent', 'b', 'ICC', 1, 3],
  [0x9f48, 'ICC Public Key Remainder', 'b', 'ICC', 1, NI],
  [0x9f49, 'DDOL', 'b', 'ICC', 0, 252],
  [0x9f4a, 'Static Data Authentication Tag List', 'var', 'ICC', 0, 252],
  [0x9f4b, 'Signed Dynamic Application Data', 'b', 'ICC', 1, NI],
  [0x9f4c, 'ICC Dynamic Number', 'b', 'ICC', 2, 8],
  [0x9f4d, 'Log Entry', 'b', 'ICC', 2],
  [0x9f4e, 'Merchant Name and Location', 'ans', 'terminal', 1, 255],
  [0x9f4f, 'Log Format', 'b', 'ICC', 0, 255],
  [0xa5, 'FCI Proprietary Template', 'var', 'ICC', 0, 252],
  [0xbf0c, 'FCI Issuer Discretionary Data', 'var', 'ICC', 0, 222],
];

/** EMV Contactless Book B (Entry Point) and Book C-3 tags most contactless kernels share. */
const CONTACTLESS: Row[] = [
  [0x9f0a, 'Application Selection Registered Proprietary Data', 'b', 'ICC', 0, 255],
  [0x9f29, 'Extended Selection', 'b', 'ICC', 0, 11],
  [0x9f2a, 'Kernel Identifier', 'b', 'ICC', 1, 8],
  [0x9f5a, 'Application Program Identifier', 'b', 'ICC', 1, 16],
  [0x9f5d, 'Available Offline Spending Amount', 'n', 'ICC', 6],
  [0x9f66, 'Terminal Transaction Qualifiers (TTQ)', 'b', 'terminal', 4],
  [0x9f69, 'Card Authentication Related Data', 'b', 'ICC', 5, 16],
  [0x9f6c, 'Card Transaction Qualifiers (CTQ)', 'b', 'ICC', 2],
  [0x9f6e, 'Form Factor Indicator', 'b', 'ICC', 4],
  [0x9f7c, 'Customer Exclusive Data', 'b', 'ICC', 0, 32],
];

/**
 * Data the payment systems carry in field 55 without a tag of Book 3 Annex A1: the Issuer
 * Script Results of Book 4 (each script: result and failing command, then its identifier),
 * under the tag Visa and Mastercard acquirer specifications give it.
 */
const SCHEME: Row[] = [[0x9f5b, 'Issuer Script Results', 'b', 'terminal', 5, 255]];

/** Book C-2 (Mastercard) Annex A: the DF81xx kernel data a terminal commonly sets or reads. */
const KERNEL2_DF81: Row[] = [
  [0xdf8104, 'Balance Read Before Gen AC', 'n', 'ICC', 6],
  [0xdf8105, 'Balance Read After Gen AC', 'n', 'ICC', 6],
  [0xdf8106, 'Data Needed', 'b', 'terminal', 0, 255],
  [0xdf8107, 'CDOL1 Related Data', 'b', 'terminal', 0, 255],
  [0xdf8108, 'DS AC Type', 'b', 'terminal', 1],
  [0xdf8109, 'DS Input (Term)', 'b', 'terminal', 8],
  [0xdf810a, 'DS ODS Info For Reader', 'b', 'terminal', 1],
  [0xdf810b, 'DS Summary Status', 'b', 'terminal', 1],
  [0xdf810c, 'Kernel ID', 'b', 'terminal', 1],
  [0xdf810d, 'DSVN Term', 'b', 'terminal', 0, 255],
  [0xdf810e, 'Post-Gen AC Put Data Status', 'b', 'terminal', 1],
  [0xdf810f, 'Pre-Gen AC Put Data Status', 'b', 'terminal', 1],
  [0xdf8110, 'Proceed To First Write Flag', 'b', 'terminal', 1],
  [0xdf8111, 'PDOL Related Data', 'b', 'terminal', 0, 255],
  [0xdf8112, 'Tags To Read', 'b', 'terminal', 0, 255],
  [0xdf8113, 'DRDOL Related Data', 'b', 'terminal', 0, 255],
  [0xdf8114, 'Reference Control Parameter', 'b', 'terminal', 1],
  [0xdf8115, 'Error Indication', 'b', 'terminal', 6],
  [0xdf8116, 'User Interface Request Data', 'b', 'terminal', 22],
  [0xdf8117, 'Card Data Input Capability', 'b', 'terminal', 1],
  [0xdf8118, 'CVM Capability - CVM Required', 'b', 'terminal', 1],
  [0xdf8119, 'CVM Capability - No CVM Required', 'b', 'terminal', 1],
  [0xdf811a, 'Default UDOL', 'b', 'terminal', 3],
  [0xdf811b, 'Kernel Configuration', 'b', 'terminal', 1],
  [0xdf811c, 'Max Lifetime of Torn Transaction Log Record', 'b', 'terminal', 2],
  [0xdf811d, 'Max Number of Torn Transaction Log Records', 'b', 'terminal', 1],
  [0xdf811e, 'Mag-stripe CVM Capability - CVM Required', 'b', 'terminal', 1],
  [0xdf811f, 'Security Capability', 'b', 'terminal', 1],
  [0xdf8120, 'Terminal Action Code - Default', 'b', 'terminal', 5],
  [0xdf8121, 'Terminal Action Code - Denial', 'b', 'terminal', 5],
  [0xdf8122, 'Terminal Action Code - Online', 'b', 'terminal', 5],
  [0xdf8123, 'Reader Contactless Floor Limit', 'n', 'terminal', 6],
  [0xdf8124, 'Reader Contactless Transaction Limit (No On-device CVM)', 'n', 'terminal', 6],
  [0xdf8125, 'Reader Contactless Transaction Limit (On-device CVM)', 'n', 'terminal', 6],
  [0xdf8126, 'Reader CVM Required Limit', 'n', 'terminal', 6],
  [0xdf8127, 'Time Out Value', 'b', 'terminal', 2],
  [0xdf8128, 'IDS Status', 'b', 'terminal', 1],
  [0xdf8129, 'Outcome Parameter Set', 'b', 'terminal', 8],
  [0xdf812a, 'DD Card (Track1)', 'ans', 'terminal', 0, 56],
  [0xdf812b, 'DD Card (Track2)', 'b', 'terminal', 0, 8],
  [0xdf812c, 'Mag-stripe CVM Capability - No CVM Required', 'b', 'terminal', 1],
  [0xdf812d, 'Message Hold Time', 'n', 'terminal', 3],
];

/**
 * Book C-2 gives some 9F6x tags other meanings than Book C-3 (9F66 is the TTQ for Visa but
 * PUNATC(Track2) in a Mastercard record). Looked up only when the caller names the kernel.
 */
const KERNEL2_OVERRIDES: Row[] = [
  [0x9f5d, 'Application Capabilities Information', 'b', 'ICC', 3],
  [0x9f62, 'PCVC3(Track1)', 'b', 'ICC', 6],
  [0x9f63, 'PUNATC(Track1)', 'b', 'ICC', 6],
  [0x9f64, 'NATC(Track1)', 'b', 'ICC', 1],
  [0x9f65, 'PCVC3(Track2)', 'b', 'ICC', 2],
  [0x9f66, 'PUNATC(Track2)', 'b', 'ICC', 2],
  [0x9f67, 'NATC(Track2)', 'b', 'ICC', 1],
  [0x9f69, 'UDOL', 'b', 'ICC', 0, 255],
  [0x9f6b, 'Track 2 Data', 'b', 'ICC', 1, 19],
  [0x9f6c, 'Mag-stripe Application Version Number (Card)', 'b', 'ICC', 2],
  [0x9f6d, 'Mag-stripe Application Version Number (Reader)', 'b', 'terminal', 2],
  [0x9f6e, 'Third Party Data', 'b', 'ICC', 5, 32],
  [0x9f7c, 'Merchant Custom Data', 'b', 'terminal', 20],
];

function toMap(rows: Row[]): ReadonlyMap<number, Readonly<TagInfo>> {
  const m = new Map<number, Readonly<TagInfo>>();
  for (const [tag, name, format, source, min, max] of rows) {
    // A second row would silently replace the first; fail at load so the edit is caught.
    if (m.has(tag)) throw new PosError('TAG_DICTIONARY', `tag dictionary: ${tagToHex(tag)} listed twice`);
    m.set(tag, Object.freeze({ tag, name, format, source, minLength: min, maxLength: max ?? min }));
  }
  return m;
}

/** Every tag the terminal knows, without kernel context. */
export const TAGS: ReadonlyMap<number, Readonly<TagInfo>> = toMap([...EMV, ...CONTACTLESS, ...SCHEME, ...KERNEL2_DF81]);
const KERNEL2: ReadonlyMap<number, Readonly<TagInfo>> = toMap(KERNEL2_OVERRIDES);

/** What the dictionary says of a tag; with `kernel`, that kernel's meaning wins. */
export function tagInfo(tag: number, kernel?: Kernel): Readonly<TagInfo> | undefined {
  if (kernel === 'C-2') {
    const k = KERNEL2.get(tag);
    if (k) return k;
  }
  return TAGS.get(tag);
}

/** The name `pos tool tlv` prints, or undefined for a tag we do not know. */
export function tagName(tag: number, kernel?: Kernel): string | undefined {
  return tagInfo(tag, kernel)?.name;
}

/**
 * Why a value length is wrong for its tag, or undefined when it is right or the tag is
 * unknown (a terminal ignores data objects it does not recognise, so their length is not
 * ours to judge). For a kernel to turn into a card error when data received breaks the table.
 */
export function lengthProblem(tag: number, length: number, kernel?: Kernel): string | undefined {
  const info = tagInfo(tag, kernel);
  if (!info) return undefined;
  if (length >= info.minLength && length <= info.maxLength) return undefined;
  const want = info.minLength === info.maxLength ? `${info.minLength}` : `${info.minLength} to ${info.maxLength}`;
  return `${tagToHex(tag)} (${info.name}) is ${length} bytes long; it must be ${want}`;
}
