import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_READ_POLICY as fast } from '../publish/__fixtures__/fast-read-policy';
import { RegistryError, SparseIndex, indexPath } from './sparse-index';

/** A real HTTP server on loopback that serves a tiny sparse index. */
let server: Server;
let base: string;
let hits = 0;
let tooMany = 0;
let unavailable = 0;
const files: Record<string, string> = {
  '/index/mi/cr/micromegas-transit': [
    '{"name":"micromegas-transit","vers":"0.11.0","yanked":true,"cksum":"a"}',
    '{"name":"micromegas-transit","vers":"0.12.0","yanked":false,"cksum":"b"}',
    '',
  ].join('\n'),
};

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    if (req.url === '/index/3/l/log' && tooMany > 0) {
      tooMany--;
      res.writeHead(429, { 'retry-after': '0' }).end();
      return;
    }
    if (req.url === '/index/de/ad/dead-registry') {
      res.writeHead(503, 'Service Unavailable').end();
      return;
    }
    if (req.url === '/index/fl/ak/flaky-registry' && unavailable > 0) {
      unavailable--;
      res.writeHead(503, 'Service Unavailable').end();
      return;
    }
    const body = files[req.url ?? ''];
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `sparse+http://127.0.0.1:${(server.address() as AddressInfo).port}/index/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const index = () => new SparseIndex('local', { CARGO_REGISTRIES_LOCAL_INDEX: base }, fast);

describe('SparseIndex', () => {
  it('lays out paths as Cargo does', () => {
    expect(['a', 'ab', 'abc', 'Serde', 'micromegas-transit'].map(indexPath)).toEqual([
      '1/a',
      '2/ab',
      '3/a/abc',
      'se/rd/serde',
      'mi/cr/micromegas-transit',
    ]);
  });

  it('lists the published versions, yanked ones marked', async () => {
    const versions = await index().versions('micromegas-transit');
    expect(versions.map((v) => [v.vers, v.yanked])).toEqual([
      ['0.11.0', true],
      ['0.12.0', false],
    ]);
    expect(await index().has('micromegas-transit', '0.12.0')).toBe(true);
  });

  it('answers "not published" for a crate the index does not have', async () => {
    expect(await index().versions('never-published')).toEqual([]);
  });

  it('waits as the registry asks on 429 and then reads the index', async () => {
    tooMany = 2;
    files['/index/3/l/log'] = '{"name":"log","vers":"0.4.0","yanked":false,"cksum":"c"}\n';
    const before = hits;
    expect(await index().has('log', '0.4.0')).toBe(true);
    expect(hits - before).toBe(3);
  });

  it('asks again after 503s and reads the index that follows', async () => {
    unavailable = 2;
    files['/index/fl/ak/flaky-registry'] = '{"name":"flaky-registry","vers":"1.0.0","yanked":false,"cksum":"e"}\n';
    const before = hits;
    expect(await index().has('flaky-registry', '1.0.0')).toBe(true);
    expect(hits - before).toBe(3);
  });

  it('names the registry, the read, the last status and the tries when 503s do not stop', async () => {
    const e = await index()
      .versions('dead-registry')
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(RegistryError);
    expect(e).toMatchObject({ registry: 'local', boundHit: true });
    expect((e as Error).message).toMatch(
      /^The Cargo registry `local` at http:\/\/127\.0\.0\.1:\d+\/index\/ answered 503 Service Unavailable\. It was asked for the index file of dead-registry \(http:\/\/127\.0\.0\.1:\d+\/index\/de\/ad\/dead-registry\) 3 times in \d+ s\.$/,
    );
  });

  it('polls until a version becomes visible, and gives up after the bound with a clear error', async () => {
    setTimeout(() => (files['/index/2/ab'] = '{"name":"ab","vers":"1.0.0","yanked":false,"cksum":"d"}\n'), 300);
    expect(await index().waitUntilVisible('ab', '1.0.0', 5000, 50)).toBeGreaterThan(0);
    await expect(index().waitUntilVisible('ab', '2.0.0', 200, 50)).rejects.toThrow(
      /ab@2.0.0 was uploaded to `local` but is not in its index after 0 s/,
    );
  });

  it('names the registry and the variable when the registry is down or not configured', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = new SparseIndex(
      'local',
      { CARGO_REGISTRIES_LOCAL_INDEX: `sparse+http://127.0.0.1:${port}/index/` },
      { ...fast, attempts: 1 },
    );
    await expect(down.versions('x')).rejects.toThrow(RegistryError);
    await expect(down.versions('x')).rejects.toThrow(
      `The Cargo registry \`local\` is not reachable at http://127.0.0.1:${port}/index/ (ECONNREFUSED). Start it, or fix CARGO_REGISTRIES_LOCAL_INDEX. It was asked for the index file of x (http://127.0.0.1:${port}/index/1/x).`,
    );
    expect(() => new SparseIndex('my-reg', {})).toThrow(/Set CARGO_REGISTRIES_MY_REG_INDEX/);
  });
});
