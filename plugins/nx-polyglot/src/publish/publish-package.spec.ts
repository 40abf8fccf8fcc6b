import { createServer, Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparseIndex } from '../cargo/sparse-index';
import { PackagePublish, UploadOutcome, publishPackage } from './publish-package';
import type { ReadPolicy } from './registry-fetch';

/**
 * The life of one publish when its registry stops answering part-way: a real
 * sparse index on loopback that answers "not published" until the upload,
 * then 503 for good. Whatever the stage, the package fails saying what became
 * of it, what the run published so far and to rerun; a failed upload is
 * never uploaded again, only the registry is asked.
 */
let server: Server;
let base: string;
let down = false;
const root = mkdtempSync(join(tmpdir(), 'publish-package-'));

beforeAll(async () => {
  server = createServer((req, res) => {
    if (down) res.writeHead(503, 'Service Unavailable').end();
    else if (req.url === '/index/3/o/old') res.writeHead(200).end('{"name":"old","vers":"1.0.0","yanked":false}\n');
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `sparse+http://127.0.0.1:${(server.address() as AddressInfo).port}/index/`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

const fast: ReadPolicy = {
  attempts: 2,
  timeoutMs: 500,
  backoffMs: 10,
  maxBackoffMs: 10,
  budgetMs: 2_000,
  maxRetryAfterMs: 0,
};

function job(name: string, upload: () => Promise<UploadOutcome>): PackagePublish & { uploads: number } {
  const client = new SparseIndex('local', { CARGO_REGISTRIES_LOCAL_INDEX: base }, fast);
  const j = {
    uploads: 0,
    id: { project: name, name, version: '1.0.0', ecosystem: 'cargo' as const, registry: 'local' },
    label: `${name}@1.0.0`,
    where: '`local`',
    client,
    root,
    visibilityTimeoutMs: 5_000,
    planned: () => ({ message: '' }),
    checkCredentials: () => Promise.resolve(undefined),
    upload: () => {
      j.uploads++;
      return upload();
    },
  };
  return j;
}

const rerun = 'Rerun `nx run-many -t publish` once `local` answers; already published packages are skipped.\n';

describe('publishPackage with a registry that stops answering', () => {
  it('skips what is there; after an upload the registry stops: uploaded but not seen, and what the run did so far', async () => {
    down = false;
    expect((await publishPackage(job('old', () => Promise.reject(new Error('not called'))))).output).toMatch(
      /already in `local`/,
    );
    const j = job('fresh', () => {
      down = true;
      return Promise.resolve({ status: 'uploaded', uploadStart: Date.now(), message: 'fresh@1.0.0 is in the index\n' });
    });
    const result = await publishPackage(j);
    expect(result.success).toBe(false);
    expect(j.uploads).toBe(1);
    const lines = result.output.split('\n');
    expect(lines[0]).toMatch(
      /^The Cargo registry `local` at http:\/\/127\.0\.0\.1:\d+\/index\/ answered 503 Service Unavailable\. It was asked for the index file of fresh \(\S+\) 2 times in \d+ s\.$/,
    );
    expect(lines[1]).toBe(
      'fresh@1.0.0 was uploaded but not seen in the registry yet. So far in this run: 0 published, 1 already there, 0 other(s) failed.',
    );
    expect(result.output.endsWith(rerun)).toBe(true);
  });

  it('a failed upload is not retried: the registry is asked, and when it cannot be, the message says it may be stored', async () => {
    down = false;
    const j = job('lost', () => {
      down = true;
      return Promise.resolve({
        status: 'failed',
        detail: 'cargo publish exited with 101',
        message: '',
        mayBeThere: () => j.client.has('lost', '1.0.0'),
      });
    });
    const result = await publishPackage(j);
    expect([result.success, j.uploads]).toEqual([false, 1]);
    expect(result.output).toContain(
      'lost@1.0.0 may or may not have been stored (its upload failed and the registry could not be asked). So far in this run: 0 published, 1 already there, 1 other(s) failed (fresh@1.0.0).',
    );
    expect(result.output.endsWith(rerun)).toBe(true);
  });

  it('a registry down before the upload: not published, nothing uploaded', async () => {
    down = true;
    const j = job('early', () => Promise.reject(new Error('not called')));
    const result = await publishPackage(j);
    expect([result.success, j.uploads]).toEqual([false, 0]);
    expect(result.output).toContain('early@1.0.0 was not published. So far in this run: ');
  });
});

describe('a dry run with no registry to ask', () => {
  it('shows the plan, says the registry is not reachable and that what it has is unknown, and succeeds without an upload', async () => {
    down = true;
    const j = job('fresh', () => Promise.reject(new Error('not called')));
    j.dryRun = true;
    j.planned = () => ({ message: 'fresh@1.0.0 would be published to `local` (dry run)\n' });
    const result = await publishPackage(j);
    expect(result.success).toBe(true);
    expect(result.output).toMatch(
      /^fresh@1\.0\.0 would be published to `local` \(dry run\); whether it is there already is unknown: .*`local`.*\n$/,
    );
    expect(j.uploads).toBe(0);
    // a real run with the same registry fails, as before
    const real = await publishPackage(job('fresh', () => Promise.reject(new Error('not called'))));
    expect(real.success).toBe(false);
  });
});
