import { execa } from 'execa';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARY, publishableCrates, releaseSetup } from './release-setup';
import { installRegistries, sparseIndexEntries, startRegistries, stopRegistries } from './registries';

beforeAll(() => installRegistries(), 3_600_000);

/** A loopback port nothing listens on (bound, then closed again). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * What publish-faults.spec.ts does not cover of the credential preflight: a
 * missing npm token, registries on a closed port, the Python repository down
 * while the crates registry is up. Each stops the whole run before any
 * upload of any ecosystem, naming the registry and the variable to set, and
 * no token shows in the output, the publish log, the registries' logs or any
 * process's command line.
 */
describe('the preflight stops a publish run with a registry it cannot use before any upload', () => {
  let release: Awaited<ReturnType<typeof releaseSetup>>;
  let crates: string[];
  const commandLines: string[] = [];
  let watcher: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    release = await releaseSetup('nx-polyglot-preflight-');
    crates = [...(await publishableCrates(join(release.copy, 'rust'))).keys()];
    watcher = setInterval(() => {
      void execa('ps', ['-eo', 'args'], { reject: false }).then(({ stdout }) => commandLines.push(stdout));
    }, 200);
  });
  afterAll(async () => {
    clearInterval(watcher);
    await release?.cleanup();
  });

  const nothingPublished = async () => {
    for (const crate of crates)
      expect(await sparseIndexEntries(release.urls.CARGO_REGISTRIES_LOCAL_INDEX, crate), crate).toBeUndefined();
    expect(readdirSync(join(release.data, 'pypi', 'packages'))).toEqual([]);
    expect((await fetch(`${release.urls.NPM_CONFIG_REGISTRY}nx-polyglot`)).status).toBe(404);
  };

  type Change = () => Promise<Record<string, string | undefined>>;
  it.each<[string, Change, RegExp]>([
    [
      'no npm token',
      async () => ({ NPM_TOKEN: undefined }),
      /npm registry http:\/\/127\.0\.0\.1:\d+\/: no token\. Set NPM_TOKEN/,
    ],
    [
      'the Cargo index URL on a closed port',
      async () => ({ CARGO_REGISTRIES_LOCAL_INDEX: `sparse+http://127.0.0.1:${await closedPort()}/api/v1/crates/` }),
      /The Cargo registry `local` is not reachable at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/crates\/ \(ECONNREFUSED\)\. Start it, or fix CARGO_REGISTRIES_LOCAL_INDEX/,
    ],
    [
      'the npm registry URL on a closed port',
      async () => ({ NPM_CONFIG_REGISTRY: `http://127.0.0.1:${await closedPort()}/` }),
      /npm registry http:\/\/127\.0\.0\.1:\d+\/ is not reachable \(ECONNREFUSED\)\. Start it, or fix NPM_CONFIG_REGISTRY|The npm registry is not reachable at http:\/\/127\.0\.0\.1:\d+\/ \(ECONNREFUSED\)\. Start it, or fix NPM_CONFIG_REGISTRY/,
    ],
    [
      'the Python repository down while the crates registry is up',
      async () => {
        await stopRegistries(release.data, ['pypi']);
        return {};
      },
      /Python repository `local` is not reachable at http:\/\/127\.0\.0\.1:\d+\/ \(ECONNREFUSED\)\. Start it, or fix POETRY_REPOSITORIES_LOCAL_URL|The Python repository `local` is not usable at http:\/\/127\.0\.0\.1:\d+\/simple\/micromegas\/ \(ECONNREFUSED\)\. Start it, or fix/,
    ],
  ])(
    '%s: nothing of any ecosystem is uploaded, the registry and the variable are named, no token shows',
    async (_, change, message) => {
      writeFileSync(release.log, '');
      const env: Record<string, string> = { ...release.env };
      for (const [key, value] of Object.entries(await change())) {
        if (value === undefined) delete env[key];
        else env[key] = value;
      }
      try {
        const run = await execa('npx', ['nx', 'run-many', '-t', 'publish', '--output-style=static'], {
          cwd: release.copy,
          env,
          extendEnv: false,
          reject: false,
          all: true,
        });
        expect(run.exitCode).not.toBe(0);
        expect(run.all).toMatch(message);
        // cargo never packaged or uploaded anything, Poetry and npm sent nothing
        expect(run.all).not.toMatch(/^\s+(Packaging|Verifying|Uploading) /m);
        expect(run.all).not.toMatch(/Publishing micromegas|npm notice Publishing/);
        expect(run.all).not.toContain(CANARY);
        expect(run.all).not.toContain(release.env.NPM_TOKEN);
        const records = release.records();
        expect(records.filter((r) => r.status === 'published')).toEqual([]);
        expect(records.filter((r) => r.status === 'failed').length).toBeGreaterThan(0);
        expect(readFileSync(release.log, 'utf8')).not.toContain(CANARY);
        await nothingPublished();
      } finally {
        await startRegistries(release.data, CANARY, ['pypi']);
      }
    },
    600_000,
  );

  it('no token was on any command line or in any registry log meanwhile', () => {
    expect(commandLines.length).toBeGreaterThan(5);
    for (const secret of [CANARY, release.env.NPM_TOKEN]) {
      expect(commandLines.filter((lines) => lines.includes(secret))).toEqual([]);
      for (const file of ['crates.log', 'pypi.log', 'npm.log', 'publish.jsonl'])
        expect(readFileSync(join(release.data, file), 'utf8'), file).not.toContain(secret);
    }
  });
});
