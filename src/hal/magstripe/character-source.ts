/**
 * Where a magstripe reader's characters come from: the one seam between the track assembler
 * and the two kinds of reader. A serial reader (RS-232 or a USB-serial adapter) delivers
 * bytes on a SerialLink (serial-characters.ts); a keyboard-wedge reader (USB HID) types them
 * as key presses (keyboard-wedge.ts). Both give the same characters: '%B...?;...?' and Enter.
 */
export interface CharacterSource {
  /** What people call the reader in messages: "/dev/ttyUSB1", "sim:msr". */
  readonly name: string;
  /**
   * Resolves with one or more characters as soon as any arrive; rejects with
   * ReadTimeoutError when none come within `timeoutMs`, with the signal's reason when it
   * aborts, with PortClosedError once closed.
   */
  read(options: { timeoutMs: number; signal?: AbortSignal }): Promise<string>;
  close(): Promise<void>;
}
