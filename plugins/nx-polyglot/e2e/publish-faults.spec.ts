import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishRecord, readPublishLog } from '../src/publish/publish-log';
import { CANARY, outcomes, publishableCrates, releasedPackages, releaseSetup } from './release-setup';
import { installRegistries, sparseIndexEntries } from './registries';

beforeAll(() => installRegistries(), 3_600_000);

/** Nothing of any ecosystem in the registries: no crate, no Python file, no npm package. */
async function nothingPublished(release: Awaited<ReturnType<typeof releaseSetup>>, crates: string[]): Promise<void> {
  for (const crate of crates)
    expect(await sparseIndexEntries(release.urls.CARGO_REGISTRIES_LOCAL_INDEX, crate), crate).toBeUndefined();
  expect((await fetch(`${release.urls.LOCAL_PYPI_SIMPLE_URL}micromegas/`)).status).toBe(404);
  expect((await fetch(`${release.urls.NPM_CONFIG_REGISTRY}nx-polyglot`)).status).toBe(404);
}

describe("every registry's credentials are checked before the first upload of any ecosystem", () => {
  let release: Awaited<ReturnType<typeof releaseSetup>>;
  let crates: string[];
  beforeAll(async () => {
    release = await releaseSetup('nx-polyglot-credentials-');
    crates = [...(await publishableCrates(join(release.copy, 'rust'))).keys()];
  });
  afterAll(() => release?.cleanup());

  it.each([
    [
      'a wrong cargo token',
      { CARGO_REGISTRIES_LOCAL_TOKEN: `wrong-${CANARY}` },
      /Cargo registry `local`: CARGO_REGISTRIES_LOCAL_TOKEN was not accepted by http:\/\/127\.0\.0\.1:\d+ \(403 Forbidden/,
    ],
    [
      'no cargo token',
      { CARGO_REGISTRIES_LOCAL_TOKEN: undefined },
      /Cargo registry `local`: no token\. Set CARGO_REGISTRIES_LOCAL_TOKEN/,
    ],
    [
      'a wrong npm token',
      { NPM_TOKEN: `wrong-${CANARY}` },
      /npm registry http:\/\/127\.0\.0\.1:\d+\/: NPM_TOKEN was not accepted \(GET -\/whoami names no user for it\)/,
    ],
  ])(
    '%s: nothing of any ecosystem is uploaded, the variable is named, cargo never runs',
    async (_, change, message) => {
      writeFileSync(release.log, '');
      const env: Record<string, string> = { ...release.env };
      for (const [key, value] of Object.entries(change)) {
        if (value === undefined) delete env[key];
        else env[key] = value;
      }
      const run = await execa('npx', ['nx', 'run-many', '-t', 'publish', '--output-style=static'], {
        cwd: release.copy,
        env,
        extendEnv: false,
        reject: false,
        all: true,
      });
      expect(run.exitCode).not.toBe(0);
      expect(run.all).toMatch(
        /Nothing was uploaded: the credentials for a registry of this publish run are missing or not accepted/,
      );
      expect(run.all).toMatch(message);
      // cargo never packaged, built or uploaded anything; no raw 403 from it
      expect(run.all).not.toMatch(/^\s+(Packaging|Verifying|Uploading) /m);
      expect(run.all).not.toMatch(/failed to publish/);
      expect(run.all).not.toContain(CANARY);
      const records = release.records();
      expect(records.filter((r) => r.status !== 'failed')).toEqual([]);
      // every ecosystem's record names the variable
      expect(new Set(records.map((r) => r.ecosystem))).toEqual(new Set(['cargo', 'python', 'npm']));
      for (const r of records) expect(r.detail, `${r.name}: ${r.detail}`).toMatch(message);
      expect(readFileSync(release.log, 'utf8')).not.toContain(CANARY);
      await nothingPublished(release, crates);
    },
    600_000,
  );

  it('with every token right, the same run publishes everything (the check lets it through)', async () => {
    writeFileSync(release.log, '');
    const run = await release.publish();
    expect(run.exitCode, run.all).toBe(0);
    expect(outcomes(release.records())).toEqual(releasedPackages(crates).map((p) => `${p} published`));
  }, 600_000);
});

describe('two publish runs at once', () => {
  it('every package is uploaded exactly once; the run that did not upload it skips it quietly', async () => {
    const release = await releaseSetup('nx-polyglot-two-runs-');
    try {
      const crates = await publishableCrates(join(release.copy, 'rust'));
      const run = (log: string) =>
        execa('npx', ['nx', 'run-many', '-t', 'publish', '--output-style=static'], {
          cwd: release.copy,
          env: { ...release.env, NX_POLYGLOT_PUBLISH_LOG: log },
          extendEnv: false,
          reject: false,
          all: true,
        });
      const logs = [join(release.data, 'first.jsonl'), join(release.data, 'second.jsonl')];
      const [first, second] = await Promise.all(logs.map(run));
      expect(first.exitCode, first.all).toBe(0);
      expect(second.exitCode, second.all).toBe(0);
      const records: PublishRecord[] = logs.flatMap(readPublishLog);
      const packages = [...crates.keys(), 'micromegas (python)', 'nx-polyglot (npm)'];
      const key = (r: PublishRecord) => (r.ecosystem === 'cargo' ? r.name : `${r.name} (${r.ecosystem})`);
      for (const p of packages) {
        const mine = records.filter((r) => key(r) === p);
        expect(mine.map((r) => r.status).sort(), p).toEqual(['published', 'skipped']);
      }
      // no upload was sent twice: no registry refusal, no tool error, in either run
      for (const output of [first.all, second.all]) {
        expect(output).not.toMatch(/failed to publish|already exists|already uploaded|EPUBLISHCONFLICT|error:/i);
      }
      for (const [crate, { version }] of crates) {
        expect(
          (await sparseIndexEntries(release.urls.CARGO_REGISTRIES_LOCAL_INDEX, crate))?.map((e) => e.vers),
          crate,
        ).toEqual([version]);
      }
      // how much the two runs overlapped (timing decides it; the assertions above hold either way)
      const waited = [first.all, second.all]
        .join('\n')
        .split('\n')
        .filter((l) => l.includes('is uploading it; waiting for it')).length;
      console.log(`two publish runs at once: ${waited} package(s) waited for the other run's upload`);
    } finally {
      await release.cleanup();
    }
  }, 1_200_000);
});
