import { IncomingHttpHeaders, Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_READ_POLICY as fast } from '../publish/__fixtures__/fast-read-policy';
import { IndexSource, downloadUrl } from './index-source';
import { RehearsalIndex, crateKey, routeOf, startRehearsalIndex, steadyPort } from './rehearsal-index';
import { indexPath } from './sparse-index';

/** A tiny sparse index: config.json, crate files, downloads; it records what it was asked and with which headers. */
class FakeIndex {
  readonly files = new Map<string, string>();
  readonly asked: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  /** Paths answered 503 that many more times before their real answer. */
  readonly failing = new Map<string, number>();
  private server!: Server;
  url = '';

  constructor(private readonly dl: (origin: string) => string) {}

  publish(name: string, vers: string, cksum = 'ab12') {
    const path = indexPath(name);
    const line = JSON.stringify({ name, vers, deps: [], cksum, features: {}, yanked: false });
    this.files.set(path, [this.files.get(path), line].filter(Boolean).join('\n'));
  }

  async start() {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').slice(1);
      this.asked.push({ path, headers: req.headers });
      const failures = this.failing.get(path) ?? 0;
      if (failures > 0) {
        this.failing.set(path, failures - 1);
        return res.writeHead(503).end('busy');
      }
      if (path === 'config.json') return res.end(JSON.stringify({ dl: this.dl(this.url) }));
      if (path.startsWith('files/')) return res.end(`bytes of ${path}`);
      const file = this.files.get(path);
      res.writeHead(file === undefined ? 404 : 200).end(file ?? 'not found');
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  stop() {
    return new Promise((resolve) => this.server.close(resolve));
  }
}

const local = new FakeIndex((origin) => `${origin}files`); // no markers: kellnr's kind
const upstream = new FakeIndex((origin) => `${origin}files/{lowerprefix}/{crate}-{version}-{sha256-checksum}.crate`);
let rehearsal: RehearsalIndex;

beforeAll(async () => {
  await Promise.all([local.start(), upstream.start()]);
  local.publish('micromegas-tracing', '0.12.0');
  upstream.publish('micromegas-tracing', '0.11.0'); // the public namesake
  upstream.publish('itoa', '1.0.15', 'c0ffee');
  upstream.publish('Inflector', '0.11.4');
  rehearsal = await startRehearsalIndex(
    {
      local: new IndexSource('the Cargo registry `local`', `sparse+${local.url}`, 'local-token', fast),
      upstream: new IndexSource('crates.io', upstream.url, undefined, fast),
    },
    ['micromegas-tracing', 'micromegas_transit'],
  );
});
afterAll(async () => {
  await rehearsal?.close();
  await Promise.all([local.stop(), upstream.stop()]);
});

const get = (path: string) => fetch(new URL(path, rehearsal.url), { redirect: 'manual' });

describe('which index answers for a crate', () => {
  it("is the local registry for the repository's crates, under any spelling crates.io counts as the same name", () => {
    const ours = new Set(['micromegas-tracing', 'micromegas-transit'].map(crateKey));
    expect(routeOf('micromegas-tracing', ours)).toBe('local');
    expect(routeOf('Micromegas_Transit', ours)).toBe('local');
    expect(routeOf('itoa', ours)).toBe('upstream');
  });
});

describe('the rehearsal index', () => {
  it('serves a config.json whose downloads come back to it', async () => {
    const config = (await (await get('config.json')).json()) as { dl: string };
    expect(config.dl).toBe(`${rehearsal.url}dl/{crate}/{version}/{sha256-checksum}`);
  });

  it('serves our crate from the local registry, never its public namesake, and the rest from upstream', async () => {
    expect(await (await get(indexPath('micromegas-tracing'))).text()).toContain('"vers":"0.12.0"');
    expect(await (await get(indexPath('micromegas-tracing'))).text()).not.toContain('0.11.0');
    expect(await (await get(indexPath('itoa'))).text()).toContain('"vers":"1.0.15"');
    expect((await get(indexPath('micromegas-transit'))).status).toBe(404); // ours, not uploaded yet
    expect((await get(indexPath('no-such-crate'))).status).toBe(404);
    expect((await get('it/oa/not-itoa')).status).toBe(404); // not where the index keeps it
  });

  it('sends the local token to the local registry only', () => {
    expect(local.asked.some((a) => a.headers.authorization === 'local-token')).toBe(true);
    expect(upstream.asked.every((a) => a.headers.authorization === undefined)).toBe(true);
  });

  it('sees a new upload to the local registry at once, and asks upstream for a crate once per run', async () => {
    local.publish('micromegas-tracing', '0.12.1');
    expect((await rehearsal.versions('micromegas-tracing')).map((e) => e.vers)).toEqual(['0.12.0', '0.12.1']);
    const before = upstream.asked.filter((a) => a.path === indexPath('itoa')).length;
    await get(indexPath('itoa'));
    expect((await rehearsal.versions('itoa')).map((e) => e.vers)).toEqual(['1.0.15']);
    expect(upstream.asked.filter((a) => a.path === indexPath('itoa')).length).toBe(before);
  });

  it("redirects an upstream download to upstream's template, and passes a local one on with the local token", async () => {
    const third = await get('dl/itoa/1.0.15/c0ffee');
    expect(third.status).toBe(302);
    expect(third.headers.get('location')).toBe(`${upstream.url}files/it/oa/itoa-1.0.15-c0ffee.crate`);
    const ours = await get('dl/micromegas-tracing/0.12.0/ab12');
    expect(ours.status).toBe(200);
    expect(await ours.text()).toBe('bytes of files/micromegas-tracing/0.12.0/download');
    expect(local.asked.find((a) => a.path.startsWith('files/'))?.headers.authorization).toBe('local-token');
  });

  it('answers 502 naming the index when upstream cannot be reached, after the read policy tried it', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((resolve) => closed.close(resolve));
    const down = await startRehearsalIndex(
      {
        local: new IndexSource('local', local.url, undefined, fast),
        upstream: new IndexSource('crates.io', url, undefined, fast),
      },
      [],
    );
    try {
      const response = await fetch(new URL(indexPath('serde'), down.url));
      expect(response.status).toBe(502);
      expect(await response.text()).toContain(
        `crates.io is not reachable at ${url} (ECONNREFUSED). It was asked for ${url}${indexPath('serde')} ${fast.attempts} times`,
      );
      await expect(down.versions('serde')).rejects.toThrow('crates.io is not reachable');
    } finally {
      await down.close();
    }
  });

  it('rides out an index file that answers 503 a few times, as the publish client does', async () => {
    upstream.publish('serde', '1.0.200');
    upstream.failing.set(indexPath('serde'), 2);
    const response = await get(indexPath('serde'));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('"vers":"1.0.200"');
    expect(upstream.asked.filter((a) => a.path === indexPath('serde')).length).toBe(3);
  });

  it('passes on a status the index kept answering once the tries ran out, and asks again next time', async () => {
    upstream.publish('log', '0.4.22');
    upstream.failing.set(indexPath('log'), fast.attempts);
    const failed = await get(indexPath('log'));
    expect(failed.status).toBe(502);
    expect(await failed.text()).toContain(`crates.io answered 503 for ${upstream.url}${indexPath('log')}`);
    // not remembered: cargo's own retry gets the file
    expect((await get(indexPath('log'))).status).toBe(200);
  });

  it('answers 502 naming the registry when a download with the local token keeps failing', async () => {
    const path = 'files/micromegas-tracing/0.12.0/download';
    local.failing.set(path, fast.attempts);
    const response = await get('dl/micromegas-tracing/0.12.0/ab12');
    expect(response.status).toBe(502);
    expect(await response.text()).toContain(
      `the Cargo registry \`local\` answered 503 Service Unavailable for ${local.url}${path}. It was asked ${fast.attempts} times`,
    );
    expect(local.asked.filter((a) => a.path === path).length).toBeGreaterThanOrEqual(fast.attempts);
  });

  it('listens on the port it is given, and on another one when that port is taken', async () => {
    const port = Number(new URL(rehearsal.url).port);
    const second = await startRehearsalIndex(
      { local: new IndexSource('l', local.url), upstream: new IndexSource('u', upstream.url) },
      [],
      port,
    );
    try {
      expect(Number(new URL(second.url).port)).not.toBe(port);
      expect((await fetch(new URL('config.json', second.url))).status).toBe(200);
    } finally {
      await second.close();
    }
    expect(steadyPort('http://127.0.0.1:8000/api/v1/crates/')).toBe(steadyPort('http://127.0.0.1:8000/api/v1/crates/'));
    expect(steadyPort('a')).toBeGreaterThanOrEqual(20_000);
    expect(steadyPort('a')).toBeLessThan(30_000);
  });
});

describe('downloadUrl', () => {
  it('expands the markers of a config.json `dl` as cargo does, and appends /{crate}/{version}/download when there are none', () => {
    expect(downloadUrl('https://static.crates.io/crates', 'itoa', '1.0.15', 'c0')).toBe(
      'https://static.crates.io/crates/itoa/1.0.15/download',
    );
    expect(
      downloadUrl('https://m/{prefix}/{lowerprefix}/{crate}/{version}/{sha256-checksum}', 'Inflector', '0.11.4', 'c0'),
    ).toBe('https://m/In/fl/in/fl/Inflector/0.11.4/c0');
    expect(downloadUrl('https://m/{prefix}/{crate}', 'ab', '1.0.0', '')).toBe('https://m/2/ab');
    expect(downloadUrl('https://m/{prefix}/{crate}', 'Syn', '1.0.0', '')).toBe('https://m/3/S/Syn');
  });
});
