import type { ExecutorContext } from '@nx/devkit';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { readPublishLog } from '../publish/publish-log';
import pythonPublish, { PythonPublishOptions } from './python-publish';

// A stand-in `poetry` on PATH: `build` writes dist/, `publish` "uploads" by
// creating the file the test index reads, or fails as FAKE_PUBLISH says.
const FAKE_POETRY = `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_CALLS, JSON.stringify(args) + '\\n');
if (args[0] === 'build') {
  fs.mkdirSync('dist', { recursive: true });
  for (const f of ['micromegas-0.12.0.tar.gz', 'micromegas-0.12.0-py3-none-any.whl', 'other-1.0.tar.gz']) fs.writeFileSync('dist/' + f, '');
  console.log('Built');
} else if (args[0] === 'publish') {
  const mode = process.env.FAKE_PUBLISH;
  if (mode === 'ok' || mode === 'conflict') fs.writeFileSync(process.env.FAKE_UPLOADED, '');
  if (mode === 'ok') console.log('Publishing micromegas (0.12.0) to local');
  else if (mode === 'conflict') { console.log("HTTP Error 409: Conflict | b'This file has already been uploaded'"); process.exit(1); }
  else if (mode === 'echo') {
    // a repository that echoes the token it was sent, printed by the tool in two writes
    const said = "HTTP Error 403: Forbidden | b'" + JSON.stringify({ errors: [{ detail: 'token ' + process.env.POETRY_PYPI_TOKEN_LOCAL }] }) + "'";
    process.stdout.write(said.slice(0, 60));
    setImmediate(() => { console.log(said.slice(60)); process.exit(1); });
  }
  else { console.log('HTTP Error 403: Forbidden | b"not allowed"'); process.exit(1); }
}
`;

describe('python-publish', () => {
  let server: Server;
  let work: string;
  let indexFiles: () => string[];
  const saved = { ...process.env };
  let output: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/simple/micromegas/') {
        res.writeHead(404);
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        indexFiles()
          .map((f) => `<a href="/packages/${f}">${f}</a>`)
          .join('\n'),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => server.close());

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'python-publish-'));
    mkdirSync(join(work, 'bin'));
    mkdirSync(join(work, 'ws', 'micromegas'), { recursive: true });
    writeFileSync(join(work, 'bin', 'poetry'), FAKE_POETRY);
    chmodSync(join(work, 'bin', 'poetry'), 0o755);
    const uploaded = join(work, 'uploaded');
    indexFiles = () => (existsSync(uploaded) ? ['micromegas-0.12.0.tar.gz', 'micromegas-0.12.0-py3-none-any.whl'] : []);
    Object.assign(process.env, {
      PATH: `${join(work, 'bin')}${delimiter}${saved.PATH}`,
      POETRY_REPOSITORIES_LOCAL_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      POETRY_PYPI_TOKEN_LOCAL: 'pypi-SECRET-TOKEN',
      NX_POLYGLOT_PUBLISH_LOG: join(work, 'log.jsonl'),
      FAKE_CALLS: join(work, 'calls'),
      FAKE_UPLOADED: uploaded,
      FAKE_PUBLISH: 'ok',
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

  const options: PythonPublishOptions = {
    cwd: 'micromegas',
    repository: 'local',
    distribution: 'micromegas',
    version: '0.12.0',
    tool: 'poetry',
    visibilityTimeout: 5,
  };
  const run = (overrides: Partial<PythonPublishOptions> = {}) =>
    pythonPublish({ ...options, ...overrides }, {
      root: join(work, 'ws'),
      projectName: 'micromegas',
    } as ExecutorContext);
  const calls = () =>
    existsSync(join(work, 'calls'))
      ? readFileSync(join(work, 'calls'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as string[])
      : [];
  const log = () => readPublishLog(join(work, 'log.jsonl'));

  it('builds, uploads, waits for the index, and records it', async () => {
    expect(await run()).toEqual({ success: true });
    expect(calls()).toEqual([
      ['build', '--output', 'dist'],
      ['publish', '-r', 'local'],
    ]);
    const [record] = log();
    expect(record).toMatchObject({
      project: 'micromegas',
      name: 'micromegas',
      version: '0.12.0',
      ecosystem: 'python',
      registry: 'local',
      status: 'published',
    });
    expect(record.visibleAt).toBeGreaterThanOrEqual(record.uploadStart as number);
    expect(output).toContain("micromegas 0.12.0 is in `local`'s index");
  });

  it('skips a version the index has, without building', async () => {
    writeFileSync(join(work, 'uploaded'), '');
    expect(await run()).toEqual({ success: true });
    expect(calls()).toEqual([]);
    expect(log()).toMatchObject([{ status: 'skipped', detail: 'already published' }]);
  });

  it('plans, building and uploading nothing, on a dry run', async () => {
    expect(await run({ dryRun: true })).toEqual({ success: true });
    expect(calls()).toEqual([]);
    expect(log()).toMatchObject([{ status: 'planned' }]);
    expect(output).toContain('would be built with `poetry build --output dist` and uploaded to `local`');
  });

  it('completes a half-uploaded release, letting Poetry skip the file that is there', async () => {
    indexFiles = () =>
      existsSync(join(work, 'uploaded'))
        ? ['micromegas-0.12.0.tar.gz', 'micromegas-0.12.0-py3-none-any.whl']
        : ['micromegas-0.12.0.tar.gz'];
    expect(await run()).toEqual({ success: true });
    expect(calls()[1]).toEqual(['publish', '-r', 'local', '--skip-existing']);
    expect(log()).toMatchObject([{ status: 'published' }]);
  });

  it('counts "already exists" from the registry as skipped when the index confirms it', async () => {
    process.env.FAKE_PUBLISH = 'conflict';
    expect(await run()).toEqual({ success: true });
    expect(log()).toMatchObject([{ status: 'skipped', detail: 'already published' }]);
  });

  it("records a refused upload with the registry's words, and never shows the token", async () => {
    process.env.FAKE_PUBLISH = 'forbidden';
    expect(await run()).toEqual({ success: false });
    expect(log()).toMatchObject([{ status: 'failed', detail: 'HTTP Error 403: Forbidden | b"not allowed"' }]);
    const everything =
      output + readFileSync(join(work, 'log.jsonl'), 'utf8') + readFileSync(join(work, 'calls'), 'utf8');
    expect(everything).not.toContain('SECRET');
  });

  it('hides a token the repository echoed, in what it prints and records', async () => {
    process.env.FAKE_PUBLISH = 'echo';
    expect(await run()).toEqual({ success: false });
    expect(log()).toMatchObject([{ status: 'failed', detail: expect.stringContaining('"detail":"token ***"') }]);
    expect(output).toContain('"detail":"token ***"');
    expect(output + readFileSync(join(work, 'log.jsonl'), 'utf8')).not.toContain('SECRET');
  });

  it('names the variable to set when the repository URL is missing', async () => {
    delete process.env.POETRY_REPOSITORIES_LOCAL_URL;
    expect(await run()).toEqual({ success: false });
    expect(output).toContain('Set POETRY_REPOSITORIES_LOCAL_URL');
    expect(log()).toMatchObject([{ status: 'failed' }]);
  });

  it('fails clearly without a repository or a static version', async () => {
    expect(await run({ repository: undefined })).toEqual({ success: false });
    expect(output).toContain('"publish": { "python": { "repository": "<name>" } }');
    expect(await run({ version: null })).toEqual({ success: false });
    expect(output).toContain('micromegas has no static version');
    expect(log().map((r) => r.status)).toEqual(['failed', 'failed']);
  });

  it('fails, naming the repository and what to fix, when the index is down', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((resolve) => closed.close(resolve));
    process.env.POETRY_REPOSITORIES_LOCAL_URL = url;
    // two quick tries: the retry policy itself is registry-fetch.spec.ts's
    process.env.NX_POLYGLOT_REGISTRY_ATTEMPTS = '2';
    process.env.NX_POLYGLOT_REGISTRY_BACKOFF_MS = '10';
    try {
      expect(await run()).toEqual({ success: false });
    } finally {
      delete process.env.NX_POLYGLOT_REGISTRY_ATTEMPTS;
      delete process.env.NX_POLYGLOT_REGISTRY_BACKOFF_MS;
    }
    expect(output).toMatch(
      /The Python repository `local` is not usable at http:\/\/127\.0\.0\.1:\d+\/simple\/micromegas\/ \(ECONNREFUSED\)\. Start it, or fix POETRY_REPOSITORIES_LOCAL_URL.* It was asked 2 times in \d+ s\.\nmicromegas 0\.12\.0 was not published\. Nothing else was published in this run so far\.\n/,
    );
    expect(output).toContain(
      'Rerun `nx run-many -t publish` once `local` answers; already published packages are skipped.',
    );
    expect(calls()).toEqual([]);
  });
});
