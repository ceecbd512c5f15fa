import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces a small file so that after a power cut it holds either the old content or the
 * new, whole: the new bytes go to a temp file beside it, which is fsynced, renamed over the
 * old one (atomic on POSIX file systems), and then the directory is fsynced so the rename
 * itself is on disk. lowdb's adapter skips both fsyncs (DESIGN.md), which is why the
 * operator file, whose lockout state must survive a reboot, does not use it.
 */
export async function writeFileDurably(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.${process.pid}.tmp`);
  const handle = await open(temp, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw e;
  }
  await handle.close();
  await rename(temp, file);
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
