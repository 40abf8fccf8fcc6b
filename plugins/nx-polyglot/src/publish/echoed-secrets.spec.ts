import type { ExecutorContext } from '@nx/devkit';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { IncomingMessage, ServerResponse, createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import cargoPublish, { CargoPublishOptions, cargoPublishBatch } from '../executors/cargo-publish';
import { credentialProblems, resetCredentialCheck } from './publish-credentials';
import { readPublishLog } from './publish-log';

/**
 * A registry that echoes the credentials it is sent (issue 25, 8): in a 401 or
 * 403 status text and in its body, as some registries and proxies do. A failed
 * publish against it, through a real `cargo publish`, must leave the token in
 * nothing it printed or wrote.
 */

const TOKEN = `canary-${process.pid}-registry-token`;
const PYPI = `canary-${process.pid}-pypi-token`;
const NPM = `canary-${process.pid}-npm-token`;

// the forms a canary may take in what was printed or written: as it is, URL-encoded, in a Basic header
const canaryForms = (secret: string) => [
  secret,
  encodeURIComponent(secret),
  ...[0, 1, 2].map((n) =>
    Buffer.from(`${'_'.repeat(n)}${secret}`)
      .toString('base64')
      .slice(4, -4),
  ),
];
const occurrences = (text: string, secrets: string[]) =>
  secrets.flatMap(canaryForms).reduce((n, form) => n + text.split(form).length - 1, 0);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Where the registry refuses the token, echoing it: the index's config.json, the upload, or an index file. */
type Refusing = 'config' | 'upload' | 'index';
let refusing: Refusing;
let server: Server;
let base: string;

function echo(req: IncomingMessage, res: ServerResponse, status: number): void {
  const auth = req.headers.authorization ?? '';
  res.writeHead(status, `${status === 401 ? 'Unauthorized' : 'Forbidden'} ${auth}`, {
    'content-type': 'application/json',
  });
  res.end(JSON.stringify({ errors: [{ detail: `token ${auth}` }] }));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      if (req.url === '/index/config.json')
        return refusing === 'config' ? echo(req, res, 401) : res.end(JSON.stringify({ dl: `${base}/dl`, api: base }));
      if (req.url === '/index/de/mo/demo') return refusing === 'index' ? echo(req, res, 403) : res.writeHead(404).end();
      // kellnr checks the token before the body: the preflight's empty upload passes, cargo's real one is refused
      if (req.url === '/api/v1/crates/new')
        return Buffer.concat(body).length === 0 ? res.writeHead(400).end() : echo(req, res, 403);
      if (req.url === '/pypi/' || req.url === '/npm/-/whoami') return echo(req, res, 403);
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

describe('a registry that echoes the token it was sent', () => {
  let work: string;
  let printed: string;
  const saved = { ...process.env };

  beforeEach(() => {
    resetCredentialCheck();
    work = mkdtempSync(join(tmpdir(), 'echoed-secrets-'));
    mkdirSync(join(work, 'ws', 'demo', 'src'), { recursive: true });
    writeFileSync(join(work, 'ws', 'Cargo.toml'), '[workspace]\nmembers = ["demo"]\n');
    writeFileSync(
      join(work, 'ws', 'demo', 'Cargo.toml'),
      '[package]\nname = "demo"\nversion = "0.1.0"\ndescription = "d"\nlicense = "MIT"\n',
    );
    writeFileSync(join(work, 'ws', 'demo', 'src', 'lib.rs'), '');
    Object.assign(process.env, {
      CARGO_HOME: join(work, 'cargo-home'),
      CARGO_TARGET_DIR: join(work, 'target'),
      CARGO_REGISTRIES_LOCAL_INDEX: `sparse+${base}/index/`,
      CARGO_REGISTRIES_LOCAL_TOKEN: TOKEN,
      NX_POLYGLOT_PUBLISH_LOG: join(work, 'publish-log.jsonl'),
      NX_POLYGLOT_REGISTRY_ATTEMPTS: '1',
    });
    printed = '';
    const capture = (chunk: string | Uint8Array) => ((printed += chunk.toString()), true);
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.env = { ...saved };
    rmSync(work, { recursive: true, force: true });
  });

  const options: CargoPublishOptions = { cwd: '.', package: 'demo', registry: 'local', verify: false };
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

  // one crate, or the batch Nx gives a batch-capable executor
  const publish = async (batch: boolean): Promise<boolean> => {
    if (!batch) return (await cargoPublish(options, context())).success;
    let success = true;
    const ctx = context();
    const run = cargoPublishBatch(ctx.taskGraph as never, { 'demo:publish': options }, {}, ctx);
    for await (const { result } of run) success &&= result.success;
    return success;
  };

  it.each<[Refusing, boolean, RegExp]>([
    ['upload', false, /status 403 Forbidden\): token \*\*\*/],
    ['upload', true, /status 403 Forbidden\): token \*\*\*/],
    ['config', false, /CARGO_REGISTRIES_LOCAL_TOKEN was not accepted by .* \(401 Unauthorized \*\*\*\)/],
    ['index', false, /answered 403 Forbidden \*\*\*/],
  ])(
    'refusing at the %s (batch: %s): the failed publish prints and writes the token nowhere',
    async (where, batch, said) => {
      refusing = where;
      expect(await publish(batch)).toBe(false);
      const [record] = readPublishLog(join(work, 'publish-log.jsonl'));
      expect(record).toMatchObject({ name: 'demo', status: 'failed' });
      // the registry's own words are still shown, the token masked
      expect(printed).toMatch(said);
      expect(record.detail).toMatch(/\*\*\*/);
      // the canary sweep: everything printed, and every file the run left in its workspace, cargo home and log
      const written = filesUnder(work).map((f) => readFileSync(f).toString('latin1'));
      expect(written.length).toBeGreaterThanOrEqual(3); // the manifests, the source and the publish log at least
      expect(occurrences([printed, ...written].join('\n'), [TOKEN])).toBe(0);
    },
  );

  it('the preflight of every ecosystem quotes a refusal without the token, even inside a Basic header', async () => {
    const env = {
      CARGO_HOME: join(work, 'cargo-home'),
      CARGO_REGISTRIES_LOCAL_INDEX: `sparse+${base}/index/`,
      CARGO_REGISTRIES_LOCAL_TOKEN: TOKEN,
      POETRY_REPOSITORIES_CLOSED_URL: `${base}/pypi/`,
      POETRY_PYPI_TOKEN_CLOSED: PYPI,
      NPM_CONFIG_REGISTRY: `${base}/npm/`,
      NPM_TOKEN: NPM,
    };
    refusing = 'config';
    const problems = await credentialProblems(
      [
        { ecosystem: 'cargo', registry: 'local' },
        { ecosystem: 'python', registry: 'closed', tool: 'poetry' },
        { ecosystem: 'npm', registry: 'NPM_CONFIG_REGISTRY' },
      ],
      env,
    );
    expect(problems).toEqual([
      expect.stringMatching(/\(401 Unauthorized \*\*\*\)/),
      expect.stringMatching(/\(403 Forbidden Basic \S+\*\*\*\S{0,4} for an upload without a file\)/),
      expect.stringMatching(/\(403 Forbidden Bearer \*\*\* for GET -\/whoami\)/),
    ]);
    expect(occurrences(problems.join('\n'), [TOKEN, PYPI, NPM])).toBe(0);
  });
});
