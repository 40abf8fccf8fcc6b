// The embedded store: entries as files, <dir>/entries/<scope>/<hash>. An
// upload is written aside in <dir>/incoming/ and linked into place: link()
// fails if the name exists, so of two racing writers exactly one wins, and a
// reader never sees half an entry. One machine only (the directory is the state).
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './gateway.mjs';

// A disk that is full answers 507 (Insufficient Storage); one that refuses writes 503.
const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);
export const diskFailure = (e) =>
  new StoreError(e.code && e.message.startsWith(e.code) ? e.message : `${e.code ?? e.name}: ${e.message}`, FULL.has(e.code) ? 507 : 503);

// Temporary names: <scope>.<hash>.<pid>-<boot>.<n>. The boot id is new at each start, so a
// gateway restarted with the pid of a killed one (pid 1 in a container) never meets its leftovers.
const BOOT = randomBytes(6).toString('hex');
const TEMPORARY = /\.(\d+)-([0-9a-f]{12})\.\d+$/;
// the names of gateways before boot ids (<scope>.<hash>.<pid>.<n>): always leftovers
const LEGACY = /\.\d+\.\d+$/;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

export function diskStore(dir) {
  const entries = join(dir, 'entries');
  const incoming = join(dir, 'incoming');
  let uploads = 0;
  const failed = (e) => (e instanceof StoreError ? e : diskFailure(e));

  /** Writes `body` (exactly `length` bytes) to `file`; never destroys `body`, which is the gateway's to answer on. */
  const receive = (body, file, length, signal) =>
    new Promise((resolve, reject) => {
      const out = createWriteStream(file, { flags: 'wx' });
      let received = 0;
      const count = (chunk) => (received += chunk.length);
      const stop = (e) => {
        body.unpipe(out).off('data', count);
        signal?.removeEventListener('abort', aborted);
        out.destroy();
        reject(e);
      };
      const aborted = () => stop(signal.reason);
      signal?.addEventListener('abort', aborted, { once: true });
      out.on('error', stop).on('finish', () => {
        signal?.removeEventListener('abort', aborted);
        if (received !== length) reject(new StoreError(`received ${received} of ${length} bytes`, 400));
        else resolve();
      });
      body.on('data', count).pipe(out);
    });

  return {
    describe: `disk ${dir}`,

    /**
     * Called once at start: the directories exist and take a file, and uploads that a gateway
     * no longer running left in incoming/ are removed. Throws a StoreError naming the cause.
     */
    async check() {
      try {
        await fs.mkdir(entries, { recursive: true });
        await fs.mkdir(incoming, { recursive: true });
        const probe = join(incoming, `.probe.${process.pid}-${BOOT}.0`);
        await fs.writeFile(probe, 'probe', { flag: 'wx' });
        await fs.rm(probe);
      } catch (e) {
        throw new StoreError(`${dir} is not a writable directory (${e.code ?? e.name}: ${e.message})`, 503);
      }
      return this.clean();
    },

    /** Removes the uploads of gateways that are gone (killed mid-upload); gives the names removed. */
    async clean() {
      const removed = [];
      // another gateway on this directory (same machine) may be uploading: keep what a live process writes
      const running = ([, pid, boot]) => (Number(pid) === process.pid ? boot === BOOT : alive(Number(pid)));
      for (const name of await fs.readdir(incoming)) {
        const m = TEMPORARY.exec(name);
        if (m ? running(m) : !LEGACY.test(name)) continue;
        await fs.rm(join(incoming, name), { force: true });
        removed.push(name);
      }
      return removed;
    },

    async get(key) {
      const file = join(entries, key);
      const stat = await fs.stat(file).catch((e) => {
        if (e.code === 'ENOENT') return undefined;
        throw failed(e);
      });
      return stat && { size: stat.size, body: createReadStream(file) };
    },

    /** The bytes stored in `scope`. */
    async usage(scope) {
      const names = await fs.readdir(join(entries, scope)).catch((e) => {
        if (e.code === 'ENOENT') return [];
        throw failed(e);
      });
      let total = 0;
      for (const name of names) total += (await fs.stat(join(entries, scope, name)).catch(() => ({ size: 0 }))).size;
      return total;
    },

    async put(key, body, length, signal) {
      const file = join(entries, key);
      if (await fs.stat(file).catch(() => undefined)) return 'exists';
      const part = join(incoming, `${key.replace('/', '.')}.${process.pid}-${BOOT}.${uploads++}`);
      try {
        await receive(body, part, length, signal);
        await fs.mkdir(join(file, '..'), { recursive: true });
        await fs.link(part, file);
        return 'created';
      } catch (e) {
        if (signal?.aborted) throw e;
        // only link() can meet an existing name: the temporary names are this process's own
        if (e.code === 'EEXIST' && (await fs.stat(file).catch(() => undefined))) return 'exists';
        throw failed(e);
      } finally {
        await fs.rm(part, { force: true });
      }
    },
  };
}
