// The gateway's HTTP rules on both stores, the embedded disk and a real S3
// server (versitygw): tokens and scopes, no overwrites, racing gateways,
// aborted uploads. Nx itself runs in remote-cache.spec.ts and remote-cache-s3.spec.ts.
import { CreateBucketCommand, DeleteBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './repo-copy';
import {
  type Gateway,
  installVersitygw,
  newTokens,
  type S3Server,
  startGateway,
  startVersitygw,
  until,
} from './remote-cache-harness';

const mintScript = join(repoRoot, 'tools', 'remote-cache', 'mint-token.mjs');
const tokensModule = pathToFileURL(join(repoRoot, 'tools', 'remote-cache', 'tokens.mjs')).href;

interface Store {
  /** the gateway arguments naming this store */
  args: string[];
  /** the hashes stored in `scope` */
  stored: (scope: string) => Promise<string[]>;
  read: (scope: string, hash: string) => Promise<string>;
}

async function diskStore(dir: string): Promise<Store> {
  const scopeDir = (scope: string) => join(dir, 'entries', scope);
  return {
    args: ['--dir', dir],
    stored: async (scope) => (existsSync(scopeDir(scope)) ? readdirSync(scopeDir(scope)).sort() : []),
    read: async (scope, hash) => readFileSync(join(scopeDir(scope), hash), 'utf8'),
  };
}

let s3: S3Server | undefined;
async function s3Store(dir: string): Promise<Store> {
  s3 = await startVersitygw(await installVersitygw(), dir);
  const server = s3;
  const prefix = 'nx/';
  return {
    args: ['--s3-bucket', server.bucket, '--s3-prefix', prefix, '--s3-endpoint', server.endpoint, '--s3-path-style'],
    stored: async (scope) => (await server.keys(`${prefix}${scope}/`)).map((k) => k.slice(`${prefix}${scope}/`.length)),
    read: async (scope, hash) => {
      const object = await server
        .client(server.readOnly)
        .send(new GetObjectCommand({ Bucket: server.bucket, Key: `${prefix}${scope}/${hash}` }));
      return object.Body!.transformToString();
    },
  };
}

describe.each([
  ['the disk store', diskStore],
  ['an S3 store (versitygw)', s3Store],
])('the remote cache gateway on %s', (_name, makeStore) => {
  const tokens = newTokens();
  let dir: string;
  let store: Store;
  let gateway: Gateway;
  let second: Gateway;

  const request = (g: Gateway, method: string, path: string, token?: string, body?: string) =>
    fetch(`${g.url}${path}`, { method, body, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const put = (path: string, token: string | undefined, body: string, g = gateway) =>
    request(g, 'PUT', path, token, body);
  const get = (path: string, token?: string, g = gateway) => request(g, 'GET', path, token);
  const mint = (scope: string, hours = '24') =>
    execa(process.execPath, [mintScript, '--scope', scope, '--hours', hours], {
      env: { NX_CACHE_SERVER_SCOPE_KEY: tokens.scopeKey },
      reject: false,
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nx-polyglot-cache-protocol-'));
    store = await makeStore(dir);
    const s3Identity = s3 && store.args.includes('--s3-bucket') ? s3.root : undefined;
    // two gateways over one store, as behind a load balancer
    gateway = await startGateway(store.args, tokens, s3Identity);
    second = await startGateway(store.args, tokens, s3Identity);
  });
  afterAll(async () => {
    await gateway?.stop();
    await second?.stop();
    if (store?.args.includes('--s3-bucket')) await s3?.stop();
    s3 = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the write token stores into main, and an entry is never overwritten (409)', async () => {
    expect((await put('/v1/cache/100', tokens.write, 'first')).status).toBe(200);
    const again = await put('/v1/cache/100', tokens.write, 'poison');
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('Cannot override an existing record');
    expect(await store.read('main', '100')).toBe('first');
    // the other gateway sees it at once: no state in a gateway
    expect(await (await get('/v1/cache/100', tokens.read, second)).text()).toBe('first');
  });

  it('the read token reads main only and writes nothing (403)', async () => {
    expect((await put('/v1/cache/101', tokens.read, 'x')).status).toBe(403);
    expect((await get('/scopes/pr-1/v1/cache/100', tokens.read)).status).toBe(403);
    expect((await get('/v1/cache/101', tokens.read)).status).toBe(404);
    expect(await store.stored('main')).toEqual(['100']);
  });

  it('the PR token writes to its pull request’s scope, never to main’s, and reads its scope first, then main’s', async () => {
    expect((await put('/scopes/pr-7/v1/cache/200', tokens.pr, 'from pr-7')).status).toBe(200);
    for (const path of ['/v1/cache/201', '/scopes/main/v1/cache/201']) {
      const refused = await put(path, tokens.pr, 'poison');
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('may not write to scope main');
    }
    expect(await store.stored('pr-7')).toEqual(['200']);
    expect(await store.stored('main')).toEqual(['100']);
    // main's readers never see what a pull request stored
    expect((await get('/v1/cache/200', tokens.read)).status).toBe(404);
    expect((await get('/v1/cache/200', tokens.write)).status).toBe(404);
    // the pull request reads its own entries, then main's
    expect(await (await get('/scopes/pr-7/v1/cache/200', tokens.pr, second)).text()).toBe('from pr-7');
    expect(await (await get('/scopes/pr-7/v1/cache/100', tokens.pr)).text()).toBe('first');
    await gateway.logged(/GET \/scopes\/pr-7\/v1\/cache\/100 200 \d+ms pr from main/);
    expect((await put('/scopes/pr-7/v1/cache/100', tokens.pr, 'own')).status).toBe(200);
    expect(await (await get('/scopes/pr-7/v1/cache/100', tokens.pr)).text()).toBe('own');
    expect(await (await get('/v1/cache/100', tokens.read)).text()).toBe('first');
  });

  it('a minted scope token writes only its scope, reads it and main’s, and stops working when it expires', async () => {
    const minted = await mint('pr-8');
    expect(minted.exitCode, minted.stderr).toBe(0);
    const token = minted.stdout.trim();
    expect(token).toMatch(/^nxcs1\.pr-8\.\d+\.[\w-]{43}$/);
    expect((await put('/scopes/pr-8/v1/cache/300', token, 'from pr-8', second)).status).toBe(200);
    expect((await put('/scopes/pr-9/v1/cache/300', token, 'x')).status).toBe(403);
    expect((await put('/v1/cache/300', token, 'x')).status).toBe(403);
    expect((await get('/scopes/pr-9/v1/cache/300', token)).status).toBe(403);
    expect(await (await get('/scopes/pr-8/v1/cache/300', token)).text()).toBe('from pr-8');
    expect(await (await get('/scopes/pr-8/v1/cache/100', token)).text()).toBe('first');
    expect(await store.stored('pr-8')).toEqual(['300']);

    // mint-token refuses past expiries; the gateways' own minting function makes one
    const expired = (
      await execa(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { mintScopeToken } from ${JSON.stringify(tokensModule)}; console.log(mintScopeToken(process.env.KEY, 'pr-8', new Date(Date.now() - 3600_000)))`,
        ],
        { env: { KEY: tokens.scopeKey } },
      )
    ).stdout.trim();
    expect((await get('/scopes/pr-8/v1/cache/300', expired)).status).toBe(401);
    const forged = token.replace(/^nxcs1\.pr-8\./, 'nxcs1.pr-9.');
    expect((await put('/scopes/pr-9/v1/cache/301', forged, 'x')).status).toBe(401);
    const forMain = await mint('main');
    expect(forMain.exitCode).toBe(2);
    expect(forMain.stderr).toContain('written with the write token only');
  });

  it('of uploads racing for one key through two gateways, exactly one is stored whole, the others get 409', async () => {
    const keys = ['400', '401', '402', '403'];
    const bodies = (key: string) => ['a', 'b'].map((c) => `${key}:${c.repeat(1 << 20)}`);
    const results = await Promise.all(
      keys.flatMap((key) =>
        bodies(key).map((body, i) =>
          put(`/v1/cache/${key}`, tokens.write, body, i ? second : gateway).then((r) => r.status),
        ),
      ),
    );
    for (let k = 0; k < keys.length; k++) expect(results.slice(2 * k, 2 * k + 2).sort()).toEqual([200, 409]);
    for (const key of keys) expect(bodies(key)).toContain(await store.read('main', key));
  });

  it('an upload cut off half-way stores nothing; the key can be uploaded whole afterwards', async () => {
    const url = new URL(gateway.url);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.on('connect', resolve));
    socket.write(
      `PUT /v1/cache/500 HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${tokens.write}\r\ncontent-length: ${4 << 20}\r\n\r\n`,
    );
    socket.write('x'.repeat(1 << 20));
    await until(() => socket.writableLength === 0, 'the first megabyte to leave');
    socket.destroy();
    expect(await gateway.logged(/PUT \/v1\/cache\/500 /)).toMatch(/PUT \/v1\/cache\/500 400 .*upload aborted/);
    expect(await store.stored('main')).not.toContain('500');
    expect((await get('/v1/cache/500', tokens.read)).status).toBe(404);
    expect((await put('/v1/cache/500', tokens.write, 'whole')).status).toBe(200);
    expect(await store.read('main', '500')).toBe('whole');
  });

  it('refuses missing, unknown and malformed requests, and never logs a token', async () => {
    expect((await get('/v1/cache/100')).status).toBe(401);
    expect((await get('/v1/cache/100', 'wrong')).status).toBe(401);
    expect((await get('/v1/cache/../../etc/passwd', tokens.read)).status).toBe(404);
    expect((await get('/scopes/a.b/v1/cache/100', tokens.read)).status).toBe(404);
    // a server URL set with a trailing slash
    expect((await get('//scopes/pr-7/v1/cache/200', tokens.pr)).status).toBe(200);
    expect((await request(gateway, 'DELETE', '/v1/cache/100', tokens.write)).status).toBe(405);
    for (const log of [gateway.log(), second.log()]) {
      for (const secret of Object.values(tokens)) expect(log).not.toContain(secret);
    }
  });
});

describe('the remote cache gateway on a failing S3 store (versitygw)', () => {
  const tokens = newTokens();
  let dir: string;
  let s3: S3Server;
  const args = (bucket: string, more: string[] = []) => [
    '--s3-bucket',
    bucket,
    '--s3-endpoint',
    s3.endpoint,
    '--s3-path-style',
    ...more,
  ];
  const call = (g: Gateway, method: string, path: string, token: string, body?: string) =>
    fetch(`${g.url}${path}`, { method, body, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nx-polyglot-cache-faults-'));
    s3 = await startVersitygw(await installVersitygw(), dir);
  });
  afterAll(async () => {
    await s3?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start on a bucket that does not exist, or that its identity may not use, naming the cause', async () => {
    await expect(startGateway(args('nx-cahce'), tokens, s3.root)).rejects.toThrow(
      /the store is not usable: s3:\/\/nx-cahce\/ at http:\/\/127\.0\.0\.1:\d+: bucket nx-cahce does not exist/,
    );
    const stranger = { accessKeyId: 'stranger', secretAccessKey: 'not-a-key-versitygw-knows' };
    await expect(startGateway(args(s3.bucket), tokens, stranger)).rejects.toThrow(
      /the store is not usable: .*access to bucket nx-cache denied: the gateway's identity needs s3:ListBucket/,
    );
  });

  it('answers a bucket gone under it as a fault (502 naming NoSuchBucket), never as a miss', async () => {
    const root = s3.client(s3.root);
    await root.send(new CreateBucketCommand({ Bucket: 'nx-gone' }));
    const gateway = await startGateway(args('nx-gone'), tokens, s3.root);
    try {
      await root.send(new DeleteBucketCommand({ Bucket: 'nx-gone' }));
      const get = await call(gateway, 'GET', '/v1/cache/1', tokens.read);
      expect(get.status).toBe(502);
      expect(await get.text()).toMatch(/The cache's store failed \(s3:\/\/nx-gone\/ .*\): 404 NoSuchBucket/);
      expect(await gateway.logged(/GET \/v1\/cache\/1 /)).toMatch(/ 502 \d+ms read 404 NoSuchBucket/);
      const put = await call(gateway, 'PUT', '/v1/cache/1', tokens.write, 'x');
      expect([put.status, put.headers.get('x-upload-refused')]).toEqual([403, '502 Bad Gateway']);
    } finally {
      await gateway.stop();
    }
  });

  it('with the store stopped (SIGSTOP), answers by the deadline: GET 503, uploads not stored; all logged', async () => {
    const gateway = await startGateway(args(s3.bucket, ['--store-timeout', '2']), tokens, s3.root);
    s3.signal('SIGSTOP');
    try {
      const [get, put] = await Promise.all([
        call(gateway, 'GET', '/v1/cache/2', tokens.read),
        call(gateway, 'PUT', '/v1/cache/3', tokens.write, 'y'.repeat(1 << 20)),
      ]);
      expect(get.status).toBe(503);
      expect(await get.text()).toMatch(/no answer within 2 s \(the store is stalled or overloaded\)/);
      expect([put.status, put.headers.get('x-upload-refused')]).toEqual([403, '503 Service Unavailable']);
      expect(await gateway.logged(/GET \/v1\/cache\/2 /)).toMatch(/ 503 \d+ms read no answer within 2 s/);
      expect(await gateway.logged(/PUT \/v1\/cache\/3 /)).toMatch(
        / 403 \d+ms write not stored: 503 Service Unavailable/,
      );
    } finally {
      s3.signal('SIGCONT');
    }
    // the store back, the same gateway serves again
    expect((await call(gateway, 'PUT', '/v1/cache/4', tokens.write, 'z')).status).toBe(200);
    expect(await (await call(gateway, 'GET', '/v1/cache/4', tokens.read)).text()).toBe('z');
    await gateway.stop();
  });
});
