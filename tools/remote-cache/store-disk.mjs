// The embedded store: entries as files, <dir>/entries/<scope>/<hash>. An
// upload is written aside in <dir>/incoming/ and linked into place: link()
// fails if the name exists, so of two racing writers exactly one wins, and a
// reader never sees half an entry. One machine only (the directory is the state).
import { createReadStream, createWriteStream, mkdirSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StoreError } from './gateway.mjs';

export function diskStore(dir) {
  const entries = join(dir, 'entries');
  const incoming = join(dir, 'incoming');
  mkdirSync(entries, { recursive: true });
  mkdirSync(incoming, { recursive: true });
  let uploads = 0;
  const failed = (e) => new StoreError(`${e.code ?? e.name}: ${e.message}`, 502);

  return {
    describe: `disk ${dir}`,

    async get(key) {
      const file = join(entries, key);
      const stat = await fs.stat(file).catch((e) => {
        if (e.code === 'ENOENT') return undefined;
        throw failed(e);
      });
      return stat && { size: stat.size, body: createReadStream(file) };
    },

    async put(key, body, length) {
      const file = join(entries, key);
      if (await fs.stat(file).catch(() => undefined)) return 'exists';
      const part = join(incoming, `${key.replace('/', '.')}.${process.pid}.${uploads++}`);
      try {
        let received = 0;
        body.on('data', (chunk) => (received += chunk.length));
        await pipeline(body, createWriteStream(part, { flags: 'wx' }));
        if (received !== length) throw new Error(`received ${received} of ${length} bytes`);
        await fs.mkdir(join(file, '..'), { recursive: true });
        await fs.link(part, file);
        return 'created';
      } catch (e) {
        if (e.code === 'EEXIST') return 'exists';
        throw e instanceof StoreError || body.destroyed ? e : failed(e);
      } finally {
        await fs.rm(part, { force: true });
      }
    },
  };
}
