import type { ToolCommand } from './tool-command.js';

/**
 * The `pos tool` subcommands, loaded on demand so one tool's start-up never pays for the
 * others. Each lives in its own file; add a line here when one is written.
 */
export const TOOLS: Record<string, () => Promise<{ default: ToolCommand }>> = {
  tlv: () => import('./tlv.js'),
  track: () => import('./track.js'),
  pinblock: () => import('./pinblock.js'),
  dukpt: () => import('./dukpt.js'),
  mac: () => import('./mac.js'),
  arqc: () => import('./arqc.js'),
  iso8583: () => import('./iso8583.js'),
  emv: () => import('./emv.js'),
};
