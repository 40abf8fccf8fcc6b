import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinPluginBuild } from './remote-cache-harness';
import { copyRepository, nxEnv, removeCopy, repoRoot, runNx } from './repo-copy';

const server = join(repoRoot, 'tools', 'remote-cache', 'server.mjs');
const CHECKS = ['run-many', '-t', 'test', 'lint', 'format', '--exclude=nx-polyglot'];

interface CacheServer {
  url: string;
  entries: () => string[];
  log: () => string;
  stop: () => Promise<void>;
}

/** tools/remote-cache/server.mjs on a free loopback port, storing in `dir`. */
async function startServer(dir: string, tokens: { read: string; write: string }): Promise<CacheServer> {
  let output = '';
  const child: ResultPromise = execa('node', [server, '--dir', dir, '--port', '0'], {
    env: { NX_CACHE_SERVER_READ_TOKEN: tokens.read, NX_CACHE_SERVER_WRITE_TOKEN: tokens.write },
    reject: false,
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]);
    });
    void child.then((r) => reject(new Error(`the cache server exited: ${r.stderr}`)));
  });
  return {
    url,
    entries: () => readdirSync(join(dir, 'entries', 'main')).sort(),
    log: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}

// Nx runs take minutes on a loaded two-core machine: a guard, not a measure
describe('a shared remote cache on Nx’s self-hosted HTTP protocol (tools/remote-cache)', { timeout: 900_000 }, () => {
  const tokens = { read: randomBytes(16).toString('hex'), write: randomBytes(16).toString('hex') };
  let store: string;
  let cache: CacheServer;
  let machineA: string;
  let machineB: string;
  const remote = (token: string) => ({
    NX_SELF_HOSTED_REMOTE_CACHE_SERVER: cache.url,
    NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token,
  });
  const put = (hash: string, body: string, token?: string) =>
    fetch(`${cache.url}/v1/cache/${hash}`, {
      method: 'PUT',
      body,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  /** Nx in `copy` with its own cache directory, not throwing on failure. */
  const nx = (copy: string, args: string[], env: Record<string, string>) =>
    execa('npx', ['nx', ...args, '--output-style=static'], {
      cwd: copy,
      env: { ...nxEnv, NX_CACHE_DIRECTORY: join(copy, '.nx', 'cache'), ...env },
      reject: false,
      all: true,
    });

  beforeAll(async () => {
    store = mkdtempSync(join(tmpdir(), 'nx-polyglot-remote-cache-'));
    cache = await startServer(store, tokens);
    // two "machines": two checkouts, each with its own Nx cache directory
    machineA = await copyRepository('nx-polyglot-machine-a-');
    machineB = await copyRepository('nx-polyglot-machine-b-', { fresh: true }); // never built anything
    pinPluginBuild([machineA, machineB]);
    for (const copy of [machineA, machineB])
      await execa('python3', ['tools/python-env.py', 'python/micromegas'], { cwd: copy });
  });
  afterAll(async () => {
    await cache?.stop();
    for (const copy of [machineA, machineB]) if (copy) removeCopy(copy);
    if (store) rmSync(store, { recursive: true, force: true });
  });

  it('machine A (read-write token) runs the Rust, Python and web checks and uploads every result', async () => {
    const statuses = await runNx(machineA, CHECKS, remote(tokens.write));
    const ids = [...statuses.keys()];
    expect(ids).toEqual(
      expect.arrayContaining([
        'micromegas-transit:test',
        'python-micromegas:test',
        'python-micromegas:format',
        'analytics-web-app:lint',
      ]),
    );
    expect([...statuses.values()].every((s) => s === 'cache-miss')).toBe(true);
    expect(cache.entries()).toHaveLength(ids.length);
  });

  it('machine B (fresh cache, read-only token) takes every result from the remote cache and runs no task', async () => {
    const statuses = await runNx(machineB, CHECKS, remote(tokens.read));
    expect(statuses.size).toBeGreaterThan(40);
    expect([...statuses].filter(([, s]) => s !== 'remote-cache-hit')).toEqual([]);
    // no cargo ran on B: it never made a target directory
    expect(existsSync(join(machineB, 'rust', 'target'))).toBe(false);
  });

  it('a read-only token cannot write: Nx runs the changed task, the upload is refused (403) and nothing is stored', async () => {
    const before = cache.entries();
    appendFileSync(join(machineB, 'rust', 'telemetry', 'src', 'lib.rs'), '// a change only machine B has\n');
    const statuses = await runNx(machineB, ['run', 'micromegas-telemetry:format'], remote(tokens.read));
    expect([...statuses.values()]).toEqual(['cache-miss']);
    expect(cache.log()).toMatch(/PUT \/v1\/cache\/\d+ 403/);
    expect(cache.entries()).toEqual(before);
    expect((await put('1234', 'poison', tokens.read)).status).toBe(403);
    expect(cache.entries()).toEqual(before);
  });

  it('an existing entry is never overwritten (409), whoever asks', async () => {
    const [first] = cache.entries();
    const original = readFileSync(join(store, 'entries', 'main', first));
    const response = await put(first, 'poison', tokens.write);
    expect(response.status).toBe(409);
    expect(readFileSync(join(store, 'entries', 'main', first))).toEqual(original);
  });

  it('of two uploads racing for one key, exactly one is stored whole and the other gets 409', async () => {
    const bodies = ['a'.repeat(1 << 20), 'b'.repeat(1 << 20)];
    const statuses = (await Promise.all(bodies.map((body) => put('777000', body, tokens.write))))
      .map((r) => r.status)
      .sort();
    expect(statuses).toEqual([200, 409]);
    expect(bodies).toContain(readFileSync(join(store, 'entries', 'main', '777000'), 'utf8'));
    expect(readdirSync(join(store, 'incoming'))).toEqual([]);
  });

  it('a missing or wrong token is refused (401), and Nx stops with the server’s reason', async () => {
    expect((await put('1235', 'x')).status).toBe(401);
    expect((await fetch(`${cache.url}/v1/cache/1235`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
      401,
    );
    const result = await nx(machineB, ['run', 'micromegas-telemetry:lint'], remote('wrong'));
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toContain('Unauthorized: Missing, unknown or expired bearer token');
    expect(result.all).not.toContain(tokens.read);
  });

  it('with the server down Nx fails naming it, and NX_SKIP_REMOTE_CACHE=true lets the work go on', async () => {
    const down = {
      NX_SELF_HOSTED_REMOTE_CACHE_SERVER: 'http://127.0.0.1:1',
      NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: tokens.read,
    };
    appendFileSync(join(machineB, 'rust', 'telemetry', 'src', 'lib.rs'), '// another change\n');
    const failed = await nx(machineB, ['run', 'micromegas-telemetry:format'], down);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.all).toContain('http://127.0.0.1:1/v1/cache/');
    const skipped = await nx(machineB, ['run', 'micromegas-telemetry:format'], {
      ...down,
      NX_SKIP_REMOTE_CACHE: 'true',
    });
    expect(skipped.exitCode, skipped.all).toBe(0);
  });

  it('the server refuses to start without two distinct tokens, saying which variables to set', async () => {
    const missing = await execa(process.execPath, [server, '--dir', store], {
      env: { NX_CACHE_SERVER_READ_TOKEN: 'r' },
      extendEnv: false,
      reject: false,
    });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('NX_CACHE_SERVER_WRITE_TOKEN');
    const same = await execa(process.execPath, [server, '--dir', store], {
      env: { NX_CACHE_SERVER_READ_TOKEN: 't', NX_CACHE_SERVER_WRITE_TOKEN: 't' },
      extendEnv: false,
      reject: false,
    });
    expect(same.exitCode).toBe(2);
    expect(same.stderr).toContain('must differ');
  });
});
