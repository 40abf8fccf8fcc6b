import type { ExecutorContext } from '@nx/devkit';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialProblems, runRegistries } from './publish-credentials';

const CARGO = 'cargo-SECRET';
const PYPI = 'pypi-SECRET';
const NPM = 'npm-SECRET';

/** Loopback stand-ins: kellnr (token before body), pypiserver with and without authentication, verdaccio's whoami. */
let server: Server;
let base: string;
const requests: IncomingMessage[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req);
    const auth = req.headers.authorization;
    const basic = (token: string) => `Basic ${Buffer.from(`__token__:${token}`).toString('base64')}`;
    if (req.url === '/crates/config.json') return res.end(JSON.stringify({ dl: `${base}/dl`, api: base }));
    if (req.url === '/api/v1/crates/new')
      return res.writeHead(auth === undefined ? 401 : auth === CARGO ? 400 : 403).end();
    if (req.url === '/open/' && req.method === 'POST') return res.writeHead(400, 'Missing content').end(); // pypiserver -a . -P .
    if (req.url === '/closed/' && req.method === 'POST')
      return res.writeHead(auth === basic(PYPI) ? 400 : auth ? 403 : 401).end();
    if (req.url === '/npm/-/whoami')
      return auth === `Bearer ${NPM}`
        ? res.end('{"username":"release"}')
        : auth === 'Bearer anonymous-SECRET'
          ? res.end('{}')
          : res.writeHead(401).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

const env = (extra: Record<string, string | undefined>) => ({
  CARGO_HOME: '/nonexistent',
  CARGO_REGISTRIES_LOCAL_INDEX: `sparse+${base}/crates/`,
  POETRY_REPOSITORIES_OPEN_URL: `${base}/open/`,
  POETRY_REPOSITORIES_CLOSED_URL: `${base}/closed/`,
  NPM_CONFIG_REGISTRY: `${base}/npm/`,
  ...extra,
});
const all = [
  { ecosystem: 'cargo' as const, registry: 'local' },
  { ecosystem: 'python' as const, registry: 'open', tool: 'poetry' },
  { ecosystem: 'npm' as const, registry: 'NPM_CONFIG_REGISTRY' },
];

describe('credentialProblems', () => {
  it('accepts tokens every registry accepts (pypiserver without authentication accepts anything)', async () => {
    expect(await credentialProblems(all, env({ CARGO_REGISTRIES_LOCAL_TOKEN: CARGO, NPM_TOKEN: NPM }))).toEqual([]);
  });

  it('names the variable of each missing or refused token, and never the token', async () => {
    const problems = await credentialProblems(
      [...all, { ecosystem: 'python', registry: 'closed', tool: 'poetry' }],
      env({
        CARGO_REGISTRIES_LOCAL_TOKEN: 'wrong-SECRET',
        NPM_TOKEN: 'stale-SECRET',
        POETRY_PYPI_TOKEN_CLOSED: 'old-SECRET',
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^Cargo registry `local`: CARGO_REGISTRIES_LOCAL_TOKEN was not accepted by http:\/\/127\.0\.0\.1:\d+ \(403 Forbidden for an empty publish request\)/,
      ),
      expect.stringMatching(
        /^npm registry http:\/\/127\.0\.0\.1:\d+\/npm\/: NPM_TOKEN was not accepted \(401 Unauthorized for GET -\/whoami\)/,
      ),
      expect.stringMatching(
        /^Python repository `closed`: POETRY_PYPI_TOKEN_CLOSED was not accepted by http:\/\/127\.0\.0\.1:\d+\/closed\/ \(403 Forbidden/,
      ),
    ]);
    expect(problems.join('\n')).not.toContain('SECRET');
  });

  it("takes verdaccio's answer for an unknown token (200, no user) as a refusal", async () => {
    expect(await credentialProblems([all[2]], env({ NPM_TOKEN: 'anonymous-SECRET' }))).toEqual([
      expect.stringMatching(
        /^npm registry http:\/\/127\.0\.0\.1:\d+\/npm\/: NPM_TOKEN was not accepted \(GET -\/whoami names no user for it\)/,
      ),
    ]);
  });

  it('says which variable to set when a token is missing, or a repository needs one', async () => {
    const problems = await credentialProblems(
      [...all, { ecosystem: 'python', registry: 'closed', tool: 'poetry' }],
      env({}),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^Cargo registry `local`: no token\. Set CARGO_REGISTRIES_LOCAL_TOKEN/),
      expect.stringMatching(/: no token\. Set NPM_TOKEN/),
      expect.stringMatching(
        /^Python repository `closed`: http:\/\/127\.0\.0\.1:\d+\/closed\/ needs credentials \(401 Unauthorized for an anonymous upload without a file\)\. Set POETRY_PYPI_TOKEN_CLOSED/,
      ),
    ]);
  });

  it('sends a token only in the Authorization header', async () => {
    requests.length = 0;
    await credentialProblems(all, env({ CARGO_REGISTRIES_LOCAL_TOKEN: CARGO, NPM_TOKEN: NPM }));
    for (const req of requests) expect(req.url).not.toContain('SECRET');
  });

  it('names a registry that is down', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/crates/`;
    await new Promise((resolve) => closed.close(resolve));
    const problems = await credentialProblems([{ ecosystem: 'cargo', registry: 'local' }], {
      CARGO_REGISTRIES_LOCAL_TOKEN: CARGO,
      CARGO_REGISTRIES_LOCAL_INDEX: `sparse+${url}`,
    });
    expect(problems).toEqual([
      `Cargo registry \`local\` is not reachable at ${url} (ECONNREFUSED). Start it, or fix CARGO_REGISTRIES_LOCAL_INDEX.`,
    ]);
  });
});

describe('runRegistries', () => {
  it('lists the registry of every publish task of the run, whatever executor asks', () => {
    const target = (executor: string, options: Record<string, unknown>) => ({
      data: { targets: { publish: { executor, options } } },
    });
    const context = {
      projectName: 'py',
      targetName: 'publish',
      projectGraph: {
        nodes: {
          a: target('nx-polyglot:cargo-publish', { registry: 'local' }),
          b: target('nx-polyglot:cargo-publish', { registry: 'local' }),
          py: target('nx-polyglot:python-publish', { repository: 'open', tool: 'poetry' }),
          plugin: target('nx-polyglot:npm-publish', {}),
          web: { data: { targets: { publish: { executor: 'nx:run-commands' } } } },
        },
      },
      taskGraph: {
        tasks: Object.fromEntries(
          ['a', 'b', 'py', 'plugin', 'web'].map((p) => [
            `${p}:publish`,
            { target: { project: p, target: 'publish' }, overrides: {} },
          ]),
        ),
      },
    } as unknown as ExecutorContext;
    expect(runRegistries(context)).toEqual([
      { ecosystem: 'cargo', registry: 'local' },
      { ecosystem: 'python', registry: 'open', tool: 'poetry' },
      { ecosystem: 'npm', registry: 'NPM_CONFIG_REGISTRY' },
    ]);
  });
});
