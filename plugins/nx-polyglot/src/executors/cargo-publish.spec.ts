import type { ExecutorContext } from '@nx/devkit';
import { spawn, ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetCredentialCheck } from '../publish/publish-credentials';
import { publishLockFile } from '../publish/publish-lock';
import { readPublishLog } from '../publish/publish-log';
import cargoPublish, { CargoPublishOptions, cargoPublishBatch } from './cargo-publish';

// A stand-in `cargo` on PATH, doing what FAKE_CARGO says: `kill` (killed by
// SIGKILL mid-upload), `ok` (the crate appears in the index).
const FAKE_CARGO = `#!/bin/sh
echo "$*" >> "$FAKE_CALLS"
echo "   Packaging demo v0.1.0"
case "$FAKE_CARGO" in
  kill) kill -KILL $$ ;;
  ok) touch "$FAKE_UPLOADED"; echo "   Uploading demo v0.1.0" ;;
esac
`;

const TOKEN = 'canary-cargo-SECRET-token';

describe('cargo-publish', () => {
  let server: Server;
  let base: string;
  let work: string;
  let output: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    // a kellnr-like registry: sparse index, config.json, and a publish endpoint that checks the token first
    server = createServer((req, res) => {
      if (req.url === '/index/config.json') return res.end(JSON.stringify({ dl: `${base}/dl`, api: base }));
      if (req.url === '/index/de/mo/demo') {
        if (!existsSync(join(work, 'uploaded'))) return res.writeHead(404).end();
        return res.end(JSON.stringify({ name: 'demo', vers: '0.1.0', yanked: false, cksum: 'x' }));
      }
      if (req.url === '/api/v1/crates/new' && req.method === 'PUT') {
        const auth = req.headers.authorization;
        return res.writeHead(auth === undefined ? 401 : auth === TOKEN ? 400 : 403).end();
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  beforeEach(() => {
    resetCredentialCheck();
    work = mkdtempSync(join(tmpdir(), 'cargo-publish-'));
    mkdirSync(join(work, 'bin'));
    mkdirSync(join(work, 'ws', 'demo', 'src'), { recursive: true });
    writeFileSync(join(work, 'ws', 'Cargo.toml'), '[workspace]\nmembers = ["demo"]\n');
    writeFileSync(
      join(work, 'ws', 'demo', 'Cargo.toml'),
      '[package]\nname = "demo"\nversion = "0.1.0"\ndescription = "d"\nlicense = "MIT"\n',
    );
    writeFileSync(join(work, 'ws', 'demo', 'src', 'lib.rs'), '');
    writeFileSync(join(work, 'bin', 'cargo'), FAKE_CARGO);
    chmodSync(join(work, 'bin', 'cargo'), 0o755);
    Object.assign(process.env, {
      PATH: `${join(work, 'bin')}${delimiter}${saved.PATH}`,
      CARGO_REGISTRIES_LOCAL_INDEX: `sparse+${base}/index/`,
      CARGO_REGISTRIES_LOCAL_TOKEN: TOKEN,
      NX_POLYGLOT_PUBLISH_LOG: join(work, 'log.jsonl'),
      FAKE_CALLS: join(work, 'calls'),
      FAKE_UPLOADED: join(work, 'uploaded'),
      FAKE_CARGO: 'ok',
    });
    output = '';
    const capture = (chunk: string | Uint8Array) => {
      output += chunk.toString();
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.env = { ...saved };
    rmSync(work, { recursive: true, force: true });
  });

  const options: CargoPublishOptions = { cwd: '.', package: 'demo', registry: 'local', visibilityTimeout: 10 };
  const context = () =>
    ({
      root: join(work, 'ws'),
      projectName: 'demo',
      targetName: 'publish',
      projectGraph: {
        nodes: {
          demo: { data: { root: 'demo', targets: { publish: { executor: 'nx-polyglot:cargo-publish', options } } } },
        },
        dependencies: {},
      },
      taskGraph: {
        roots: ['demo:publish'],
        tasks: {
          'demo:publish': { id: 'demo:publish', target: { project: 'demo', target: 'publish' }, overrides: {} },
        },
        dependencies: {},
      },
    }) as unknown as ExecutorContext;
  const log = () => readPublishLog(join(work, 'log.jsonl'));
  const calls = () =>
    existsSync(join(work, 'calls')) ? readFileSync(join(work, 'calls'), 'utf8').trim().split('\n') : [];

  it('publishes and waits for the index', async () => {
    expect(await cargoPublish(options, context())).toEqual({ success: true });
    expect(log()).toMatchObject([{ name: 'demo', status: 'published' }]);
  });

  it('records a cargo killed by a signal as killed by that signal, not as an exit code', async () => {
    process.env.FAKE_CARGO = 'kill';
    expect(await cargoPublish(options, context())).toEqual({ success: false });
    const [record] = log();
    expect(record).toMatchObject({ status: 'failed', signal: 'SIGKILL' });
    expect(record.detail).toMatch(/^cargo publish was killed by SIGKILL/);
    expect(record.detail).not.toMatch(/exited with/);
    expect(output).toContain('`cargo` was killed by SIGKILL');
  });

  it.each([
    [
      'a wrong token',
      'not-the-token',
      /CARGO_REGISTRIES_LOCAL_TOKEN was not accepted by http:\/\/127\.0\.0\.1:\d+ \(403 Forbidden/,
    ],
    ['no token', undefined, /no token\. Set CARGO_REGISTRIES_LOCAL_TOKEN/],
  ])('stops before cargo runs on %s, naming the variable and never the token', async (_, token, message) => {
    if (token === undefined) delete process.env.CARGO_REGISTRIES_LOCAL_TOKEN;
    else process.env.CARGO_REGISTRIES_LOCAL_TOKEN = token;
    process.env.CARGO_HOME = join(work, 'no-cargo-home');
    expect(await cargoPublish(options, context())).toEqual({ success: false });
    expect(calls()).toEqual([]);
    expect(output).toMatch(message);
    expect(output).toMatch(/^Nothing was uploaded/m);
    expect(log()).toMatchObject([{ status: 'failed' }]);
    expect(log()[0].detail).toMatch(message);
    expect(output + readFileSync(join(work, 'log.jsonl'), 'utf8')).not.toContain('SECRET');
    if (token) expect(output).not.toContain(token);
  });

  it('in a batch, logs a crate it never tried because a crate it needs failed, so the summary lists it', async () => {
    mkdirSync(join(work, 'ws', 'app', 'src'), { recursive: true });
    writeFileSync(join(work, 'ws', 'Cargo.toml'), '[workspace]\nmembers = ["demo", "app"]\n');
    writeFileSync(
      join(work, 'ws', 'app', 'Cargo.toml'),
      '[package]\nname = "app"\nversion = "0.1.0"\ndescription = "a"\nlicense = "MIT"\n\n[dependencies]\ndemo = { path = "../demo", version = "0.1.0" }\n',
    );
    writeFileSync(join(work, 'ws', 'app', 'src', 'lib.rs'), '');
    process.env.FAKE_CARGO = 'kill';
    const appOptions = { ...options, package: 'app' };
    const ctx = context();
    ctx.projectGraph.nodes.app = {
      name: 'app',
      type: 'lib',
      data: { root: 'app', targets: { publish: { executor: 'nx-polyglot:cargo-publish', options: appOptions } } },
    };
    const tasks = {
      'demo:publish': { id: 'demo:publish', target: { project: 'demo', target: 'publish' }, overrides: {} },
      'app:publish': { id: 'app:publish', target: { project: 'app', target: 'publish' }, overrides: {} },
    };
    const taskGraph = { roots: ['demo:publish'], tasks, dependencies: { 'app:publish': ['demo:publish'] } };
    const results = new Map<string, boolean>();
    for await (const { task, result } of cargoPublishBatch(
      taskGraph as unknown as Parameters<typeof cargoPublishBatch>[0],
      { 'demo:publish': options, 'app:publish': appOptions },
      {},
      ctx,
    ))
      results.set(task, result.success);
    expect(Object.fromEntries(results)).toEqual({ 'demo:publish': false, 'app:publish': false });
    expect(calls()).toHaveLength(1); // app was never handed to cargo
    expect(log()).toMatchObject([
      { name: 'demo', status: 'failed', signal: 'SIGKILL' },
      { project: 'app', name: 'app', version: '0.1.0', status: 'failed', detail: expect.stringMatching(/demo/) },
    ]);
    expect(log()[1].detail).toBe('not tried: demo, which it needs, was not published');
  });

  describe('while another publish run holds the crate', () => {
    let holder: ChildProcess;
    afterEach(() => {
      holder?.kill('SIGKILL');
    });

    it('waits for it, asks the index again and skips quietly, without running cargo', async () => {
      // a live process owns the lock: a stand-in for the other run
      holder = spawn('sleep', ['600'], { stdio: 'ignore' });
      const lock = publishLockFile(join(work, 'ws'), 'cargo', `${base}/index/`, 'demo', '0.1.0');
      mkdirSync(join(lock, '..'), { recursive: true });
      writeFileSync(
        lock,
        JSON.stringify({ pid: holder.pid, start: null, host: hostname(), since: new Date().toISOString() }),
      );
      const run = cargoPublish(options, context());
      // the other run "publishes" and lets go; this run only goes on once it is waiting
      for (let i = 0; !output.includes('is uploading it; waiting for it'); i++) {
        if (i > 6000) throw new Error(`never waited:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      writeFileSync(join(work, 'uploaded'), '');
      rmSync(lock);
      expect(await run).toEqual({ success: true });
      expect(calls()).toEqual([]);
      expect(log()).toMatchObject([{ status: 'skipped', detail: 'already published' }]);
      expect(output).not.toMatch(/error|failed/i);
    });

    it('breaks the lock of a run that is gone (killed) and publishes', async () => {
      holder = spawn('sleep', ['600'], { stdio: 'ignore' });
      const dead = holder.pid as number;
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
      const lock = publishLockFile(join(work, 'ws'), 'cargo', `${base}/index/`, 'demo', '0.1.0');
      mkdirSync(join(lock, '..'), { recursive: true });
      writeFileSync(
        lock,
        JSON.stringify({ pid: dead, start: null, host: hostname(), since: new Date().toISOString() }),
      );
      expect(await cargoPublish(options, context())).toEqual({ success: true });
      expect(calls()).toHaveLength(1);
      expect(log()).toMatchObject([{ status: 'published' }]);
      expect(existsSync(lock)).toBe(false);
    });
  });
});
