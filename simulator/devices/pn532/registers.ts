/**
 * The registers ReadRegister and WriteRegister (UM0701-02 7.2.4, 7.2.5) reach, as far as
 * they are modelled: the contactless interface unit (CIU, 0x6301-0x633E), whose register
 * map the PN532 data sheet gives with reset values.
 *
 * Why these: libnfc 1.8's pn532_uart driver (nfc-list, nfc-poll) reads CIU_TxMode,
 * RxMode, TxAuto, ManualRCV, Status2, Control and BitFraming, and writes TxMode, RxMode,
 * TxAuto, ManualRCV and the analog registers (GsNOff, RFCfg, GsNOn, CWGsP, ModGsP) and the
 * timer reload before its raw probes for B', SRx, CTx and barcode tags. The rest of the
 * CIU block is there because reading it is legitimate and a real chip answers.
 *
 * Only the bits the emulator acts on have an effect: the field (TxControl), CRC on the
 * way out and in (TxMode, RxMode bit 7), the framing (TxMode bits 0-1) and the last-bits
 * count of a short frame (BitFraming), all for InCommunicateThru. Everything else is
 * memory that reads back what was written. Values are the data sheet's reset values; a
 * real chip's firmware changes some analog ones at start, which nothing here depends on.
 * Addresses outside the table read back what was written, 0x00 before that, and are
 * reported once each, so a test sees that software relied on something not modelled.
 */

export interface RegisterInfo {
  name: string;
  /** Value after power-on and after RSTPDN (PN532 data sheet, CIU register reset values). */
  reset: number;
  why: string;
}

/** CIU registers by address; each says why it is modelled. */
export const REGISTERS: ReadonlyMap<number, RegisterInfo> = new Map<number, RegisterInfo>([
  [0x6301, { name: 'CIU_Mode', reset: 0x3b, why: 'CRC preset and polarity; read-modify-written by libnfc for target mode' }],
  [0x6302, { name: 'CIU_TxMode', reset: 0x00, why: 'bit 7 TxCRCEn, bits 4-6 speed, bits 0-1 framing: InCommunicateThru adds CRC_A and picks the card type from it' }],
  [0x6303, { name: 'CIU_RxMode', reset: 0x00, why: 'bit 7 RxCRCEn: InCommunicateThru checks and strips the card\'s CRC_A from it' }],
  [0x6304, { name: 'CIU_TxControl', reset: 0x80, why: 'bits 0-1 Tx1RFEn, Tx2RFEn: the RF field, also switched by RFConfiguration item 1 (UM0701-02 7.3.1)' }],
  [0x6305, { name: 'CIU_TxAuto', reset: 0x00, why: 'automatic field switching; libnfc sets InitialRFOn / Force100ASK' }],
  [0x6306, { name: 'CIU_TxSel', reset: 0x10, why: 'driver input selection; read back only' }],
  [0x6307, { name: 'CIU_RxSel', reset: 0x84, why: 'receiver input selection; read back only' }],
  [0x6308, { name: 'CIU_RxThreshold', reset: 0x84, why: 'analog setting (RFConfiguration items 0x0A-0x0D); read back only' }],
  [0x6309, { name: 'CIU_Demod', reset: 0x4d, why: 'analog setting; read back only' }],
  [0x630a, { name: 'CIU_FelNFC1', reset: 0x00, why: 'FeliCa / NFC framing; libnfc writes it for target mode; read back only' }],
  [0x630b, { name: 'CIU_FelNFC2', reset: 0x00, why: 'as FelNFC1' }],
  [0x630c, { name: 'CIU_MifNFC', reset: 0x62, why: 'MIFARE / NFC target settings; read back only' }],
  [0x630d, { name: 'CIU_ManualRCV', reset: 0x00, why: 'bit 4 ParityDisable: libnfc turns parity off for raw frames; read back only' }],
  [0x630e, { name: 'CIU_TypeB', reset: 0x00, why: 'ISO/IEC 14443-3 type B framing (SOF, EOF); libnfc writes it before raw type B frames' }],
  [0x6311, { name: 'CIU_CRCResultMSB', reset: 0xff, why: 'read back only' }],
  [0x6312, { name: 'CIU_CRCResultLSB', reset: 0xff, why: 'read back only' }],
  [0x6313, { name: 'CIU_GsNOff', reset: 0x88, why: 'analog setting; read back only' }],
  [0x6314, { name: 'CIU_ModWidth', reset: 0x26, why: 'analog setting; read back only' }],
  [0x6315, { name: 'CIU_TxBitPhase', reset: 0x87, why: 'analog setting; read back only' }],
  [0x6316, { name: 'CIU_RFCfg', reset: 0x48, why: 'receiver gain; read back only' }],
  [0x6317, { name: 'CIU_GsNOn', reset: 0x88, why: 'analog setting; read back only' }],
  [0x6318, { name: 'CIU_CWGsP', reset: 0x20, why: 'analog setting; libnfc writes it for ASK and B\' cards; read back only' }],
  [0x6319, { name: 'CIU_ModGsP', reset: 0x20, why: 'as CWGsP' }],
  [0x631a, { name: 'CIU_TMode', reset: 0x00, why: 'CIU timer; read back only (the emulator times exchanges by RFConfiguration item 2)' }],
  [0x631b, { name: 'CIU_TPrescaler', reset: 0x00, why: 'as TMode' }],
  [0x631c, { name: 'CIU_TReloadVal_hi', reset: 0x00, why: 'libnfc sets the timer for its barcode probe; read back only' }],
  [0x631d, { name: 'CIU_TReloadVal_lo', reset: 0x00, why: 'as TReloadVal_hi' }],
  [0x6331, { name: 'CIU_Command', reset: 0x20, why: 'the CIU\'s own command; read back only' }],
  [0x6332, { name: 'CIU_CommIEn', reset: 0x80, why: 'read back only' }],
  [0x6333, { name: 'CIU_DivIEn', reset: 0x00, why: 'read back only' }],
  [0x6334, { name: 'CIU_CommIrq', reset: 0x14, why: 'read back only' }],
  [0x6335, { name: 'CIU_DivIrq', reset: 0x00, why: 'read back only' }],
  [0x6336, { name: 'CIU_Error', reset: 0x00, why: 'read back only' }],
  [0x6337, { name: 'CIU_Status1', reset: 0x21, why: 'read back only' }],
  [0x6338, { name: 'CIU_Status2', reset: 0x00, why: 'bit 3 MFCrypto1On: libnfc clears it; read back only' }],
  [0x633a, { name: 'CIU_FIFOLevel', reset: 0x00, why: 'read back only' }],
  [0x633b, { name: 'CIU_WaterLevel', reset: 0x08, why: 'read back only' }],
  [0x633c, { name: 'CIU_Control', reset: 0x10, why: 'bit 4 Initiator: libnfc sets it for initiator mode; read back only' }],
  [0x633d, { name: 'CIU_BitFraming', reset: 0x00, why: 'bits 0-2 TxLastBits: a short frame (REQA, WUPA) in InCommunicateThru' }],
  [0x633e, { name: 'CIU_Coll', reset: 0x80, why: 'read back only' }],
]);

export const REG = Object.freeze({
  TxMode: 0x6302,
  RxMode: 0x6303,
  TxControl: 0x6304,
  BitFraming: 0x633d,
});

/** TxMode / RxMode bit 7: the CIU adds (checks) the CRC itself. */
export const CRC_EN = 0x80;
/** TxMode bits 0-1: 00 ISO/IEC 14443-3 type A and MIFARE at 106 kbps, 11 type B. */
export const FRAMING_MASK = 0x03;
export const FRAMING_A = 0x00;
export const FRAMING_B = 0x03;
/** TxControl bits 0-1: both antenna drivers carry the field. */
export const RF_ON = 0x03;

/** 64 K of bytes the host can address; the table above gives the ones that mean something. */
export class RegisterFile {
  private readonly values = new Map<number, number>();
  private readonly reported = new Set<number>();

  constructor(private readonly onUnmodelled: (address: number, what: 'read' | 'write') => void) {
    this.reset();
  }

  reset(): void {
    this.values.clear();
    for (const [a, r] of REGISTERS) this.values.set(a, r.reset);
  }

  read(address: number): number {
    if (!REGISTERS.has(address)) this.report(address, 'read');
    return this.values.get(address) ?? 0x00;
  }

  write(address: number, value: number): void {
    if (!REGISTERS.has(address)) this.report(address, 'write');
    this.values.set(address, value & 0xff);
  }

  /** The value, without reporting an unmodelled address: for tests and the emulator itself. */
  peek(address: number): number {
    return this.values.get(address) ?? 0x00;
  }

  /** Changes only the bits of `mask`, as the chip's firmware does for its own settings. */
  update(address: number, mask: number, value: number): void {
    const old = this.values.get(address) ?? 0x00;
    this.values.set(address, (old & ~mask) | (value & mask));
  }

  private report(address: number, what: 'read' | 'write'): void {
    if (this.reported.has(address)) return;
    this.reported.add(address);
    this.onUnmodelled(address, what);
  }
}
