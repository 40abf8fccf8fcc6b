import {
  closeSync,
  fchmodSync,
  fsyncSync,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The temporary file a durable write goes through, beside its target (same
 * directory, so same filesystem: the rename is atomic). Its name is fixed,
 * not random: a killed write leaves a file the recovery knows to remove, and
 * fault-injection tests can name it.
 */
export function temporaryFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.nx-polyglot-bump.tmp`);
}

/** fsync a directory, so that a rename or unlink in it survives a crash. Best effort where directories cannot be opened. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some filesystems refuse fsync on a directory; the rename itself is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes every byte of `data` to `fd` (writeSync may write fewer). */
function writeFully(fd: number, data: Buffer): void {
  for (let offset = 0; offset < data.length;) offset += writeSync(fd, data, offset, data.length - offset);
}

/**
 * Replaces `file` with `data` so that at every instant the file holds either
 * its old bytes or all of the new ones: the new bytes go to a temporary file
 * beside it, are fsynced, and the temporary file is renamed over the file;
 * then the directory is fsynced. A failed write (ENOSPC, EDQUOT, EIO) leaves
 * the file untouched and the temporary file removed. Keeps the file's mode; a
 * symlinked file is written through its link.
 */
export function writeFileDurably(file: string, data: Buffer | string, mode?: number): void {
  let target = file;
  try {
    target = realpathSync(file);
  } catch {
    // a file that does not exist yet is written where it is named
  }
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let keepMode = mode;
  if (keepMode === undefined) {
    try {
      keepMode = statSync(target).mode & 0o7777;
    } catch {
      keepMode = 0o644;
    }
  }
  const tmp = temporaryFor(target);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', keepMode);
    fchmodSync(fd, keepMode);
    writeFully(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing
      }
    }
    removeQuietly(tmp);
    throw e;
  }
  syncDirectory(dirname(target));
}

/** Unlinks a file if it is there; never throws. */
export function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // not there, or not ours to remove
  }
}
