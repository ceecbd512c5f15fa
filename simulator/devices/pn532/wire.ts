/**
 * The emulated chip's side of the frame format (UM0701-02 6.2.1), written apart from the
 * driver's codec on purpose: the two meet only on the wire, so a mistake in one shows up
 * as a failure instead of being shared.
 */

export type HostFrame =
  | { kind: 'ack' }
  | { kind: 'nack' }
  | { kind: 'frame'; tfi: number; data: Uint8Array }
  | { kind: 'bad'; field: 'LCS' | 'DCS' | 'LEN'; detail: string };

/** Longest LEN the chip's buffer takes (TFI, code, Tg and 262 bytes). */
export const CHIP_MAX_LEN = 265;

type State = 'hunt' | 'len' | 'lcs' | 'lenm' | 'lenl' | 'lcs2' | 'data' | 'dcs';

/** Byte-at-a-time reader of what the host sends, as the chip's firmware reads its UART. */
export class HostFrameReader {
  private state: State = 'hunt';
  private prev = -1;
  private len = 0;
  private lenm = 0;
  private need = 0;
  private data: number[] = [];

  reset(): void {
    this.state = 'hunt';
    this.prev = -1;
  }

  feed(b: number): HostFrame | undefined {
    switch (this.state) {
      case 'hunt':
        if (this.prev === 0x00 && b === 0xff) this.state = 'len';
        this.prev = b;
        return undefined;
      case 'len':
        this.len = b;
        this.state = 'lcs';
        return undefined;
      case 'lcs': {
        this.back();
        const len = this.len;
        if (len === 0x00 && b === 0xff) return { kind: 'ack' };
        if (len === 0xff && b === 0x00) return { kind: 'nack' };
        if (len === 0xff && b === 0xff) {
          this.state = 'lenm';
          return undefined;
        }
        if (((len + b) & 0xff) !== 0) return { kind: 'bad', field: 'LCS', detail: `LEN ${len} with LCS ${b}` };
        return this.body(len);
      }
      case 'lenm':
        this.lenm = b;
        this.state = 'lenl';
        return undefined;
      case 'lenl':
        this.len = b;
        this.state = 'lcs2';
        return undefined;
      case 'lcs2':
        this.back();
        if (((this.lenm + this.len + b) & 0xff) !== 0) {
          return { kind: 'bad', field: 'LCS', detail: `extended LENM ${this.lenm} LENL ${this.len} with LCS ${b}` };
        }
        return this.body((this.lenm << 8) | this.len);
      case 'data':
        this.data.push(b);
        if (this.data.length === this.need) this.state = 'dcs';
        return undefined;
      case 'dcs': {
        this.back();
        let sum = b;
        for (const d of this.data) sum += d;
        if ((sum & 0xff) !== 0) return { kind: 'bad', field: 'DCS', detail: `${this.need} bytes with DCS ${b}` };
        return { kind: 'frame', tfi: this.data[0]!, data: Uint8Array.from(this.data.slice(1)) };
      }
    }
  }

  private back(): void {
    this.state = 'hunt';
    this.prev = -1;
  }

  private body(n: number): HostFrame | undefined {
    if (n === 0 || n > CHIP_MAX_LEN) return { kind: 'bad', field: 'LEN', detail: `length ${n}` };
    this.need = n;
    this.data = [];
    this.state = 'data';
    return undefined;
  }
}

/** A frame from the chip: TFI D5 and `data`; extended when it does not fit a byte. */
export function chipFrame(data: Uint8Array, prePostamble = true): Uint8Array {
  const len = data.length + 1;
  const out: number[] = prePostamble ? [0x00] : [];
  out.push(0x00, 0xff);
  if (len > 0xff) out.push(0xff, 0xff, len >> 8, len & 0xff, (0x100 - (((len >> 8) + (len & 0xff)) & 0xff)) & 0xff);
  else out.push(len, (0x100 - len) & 0xff);
  let sum = 0xd5;
  out.push(0xd5);
  for (const d of data) {
    out.push(d);
    sum += d;
  }
  out.push((0x100 - (sum & 0xff)) & 0xff);
  if (prePostamble) out.push(0x00);
  return Uint8Array.from(out);
}

export const CHIP_ACK = Uint8Array.of(0x00, 0x00, 0xff, 0x00, 0xff, 0x00);
export const CHIP_ERROR_FRAME = Uint8Array.of(0x00, 0x00, 0xff, 0x01, 0xff, 0x7f, 0x81, 0x00);
