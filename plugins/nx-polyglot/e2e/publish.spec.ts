import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublishRecord } from '../src/publish/publish-log';
import { CANARY, outcomes, publishableCrates, releasedPackages, releaseSetup } from './release-setup';
import { installRegistries, sparseIndexEntries, startRegistries, stopRegistries } from './registries';

beforeAll(() => installRegistries(), 3_600_000);

describe('nx run-many -t publish of the demo workspace into real registries on loopback', () => {
  let release: Awaited<ReturnType<typeof releaseSetup>>;
  let crates: Map<string, { version: string; needs: string[] }>;
  const commandLines: string[] = [];

  beforeAll(async () => {
    release = await releaseSetup('nx-polyglot-publish-');
    crates = await publishableCrates(join(release.copy, 'rust'));
  });
  afterAll(() => release?.cleanup());

  it('--dry-run prints the plan in waves and uploads nothing', async () => {
    const run = await release.publish('--dry-run');
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(
      /Publish plan for the Cargo registry `local` \(dry run, nothing is uploaded\):\n\s+wave 1: micromegas-derive-transit 0\.12\.0, micromegas-proc-macros 0\.12\.0, micromegas-tracing-proc-macros 0\.12\.0\n\s+wave 2: micromegas-transit 0\.12\.0/,
    );
    for (const crate of crates.keys())
      expect(await sparseIndexEntries(release.urls.CARGO_REGISTRIES_LOCAL_INDEX, crate), crate).toBeUndefined();
    // every package is planned once, none is anything else
    expect(outcomes(release.records())).toEqual(releasedPackages(crates.keys()).map((p) => `${p} planned`));
    expect((await fetch(`${release.urls.LOCAL_PYPI_SIMPLE_URL}micromegas/`)).status).toBe(404);
    expect((await fetch(`${release.urls.NPM_CONFIG_REGISTRY}nx-polyglot`)).status).toBe(404);
  });

  it('publishes every publishable crate, the Python package and the plugin, each crate only once the crates it needs are visible', async () => {
    writeFileSync(release.log, '');
    // watch every process's command line while the release runs
    const watcher = setInterval(() => {
      void execa('ps', ['-eo', 'args'], { reject: false }).then(({ stdout }) => commandLines.push(stdout));
    }, 100);
    const run = await release.publish().finally(() => clearInterval(watcher));
    expect(run.exitCode, run.all).toBe(0);

    const records = release.records();
    const byName = new Map(records.map((r) => [r.name, r]));
    expect([...records.filter((r) => r.ecosystem === 'cargo').map((r) => r.name)].sort()).toEqual(
      [...crates.keys()].sort(),
    );
    expect(records.map((r) => r.status).every((s) => s === 'published')).toBe(true);
    for (const [crate, { version, needs }] of crates) {
      const entries = await sparseIndexEntries(release.urls.CARGO_REGISTRIES_LOCAL_INDEX, crate);
      expect(
        entries?.map((e) => e.vers),
        crate,
      ).toEqual([version]);
      const mine = byName.get(crate) as PublishRecord;
      for (const dependency of needs) {
        const theirs = byName.get(dependency) as PublishRecord;
        expect(theirs.visibleAt, `${dependency} visible before ${crate} uploads`).toBeLessThanOrEqual(
          mine.uploadStart as number,
        );
      }
    }
    const simple = await (await fetch(`${release.urls.LOCAL_PYPI_SIMPLE_URL}micromegas/`)).text();
    expect(simple).toMatch(/micromegas-0\.12\.0-py3-none-any\.whl/);
    expect(simple).toMatch(/micromegas-0\.12\.0\.tar\.gz/);
    const plugin = (await (await fetch(`${release.urls.NPM_CONFIG_REGISTRY}nx-polyglot`)).json()) as {
      versions: Record<string, unknown>;
    };
    expect(Object.keys(plugin.versions)).toEqual([
      JSON.parse(readFileSync(join(release.copy, 'plugins/nx-polyglot/package.json'), 'utf8')).version,
    ]);
  });

  it('never shows the token: not in the output, the logs, or any command line', async () => {
    expect(commandLines.length).toBeGreaterThan(5);
    expect(commandLines.filter((lines) => lines.includes(CANARY))).toEqual([]);
    for (const file of ['crates.log', 'pypi.log', 'npm.log', 'publish.jsonl']) {
      expect(readFileSync(join(release.data, file), 'utf8'), file).not.toContain(CANARY);
    }
  });

  it('a second run uploads nothing and succeeds', async () => {
    writeFileSync(release.log, '');
    const run = await release.publish();
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).not.toContain(CANARY);
    const records = release.records();
    expect(records).toHaveLength(crates.size + 2);
    expect(records.filter((r) => r.status !== 'skipped')).toEqual([]);
  });
});

describe.sequential('rollback', () => {
  it('yank marks every crate of the release yanked in the index, --undo reverts it, a second yank changes nothing', async () => {
    const release = await releaseSetup('nx-polyglot-yank-');
    try {
      const crates = await publishableCrates(join(release.copy, 'rust'));
      expect((await release.publish('--projects=tag:lang:rust')).exitCode).toBe(0);
      const yankedFlags = async () =>
        Promise.all(
          [...crates.keys()].map(
            async (c) => (await sparseIndexEntries(release.urls.CARGO_REGISTRIES_LOCAL_INDEX, c))?.[0].yanked,
          ),
        );
      const yank = (...args: string[]) =>
        execa('npx', ['nx', 'run-many', '-t', 'yank', '--projects=tag:lang:rust', '--output-style=static', ...args], {
          cwd: release.copy,
          env: release.env,
          extendEnv: false,
          reject: false,
          all: true,
        });
      const dry = await yank('--dry-run');
      expect(dry.exitCode, dry.all).toBe(0);
      expect((await yankedFlags()).every((y) => y === false)).toBe(true);
      const yanked = await yank('--vers=0.12.0');
      expect(yanked.exitCode, yanked.all).toBe(0);
      expect((await yankedFlags()).every((y) => y === true)).toBe(true);
      const again = await yank();
      expect(again.all).toMatch(/already yanked in `local`: skipped/);
      const undone = await yank('--undo');
      expect(undone.exitCode, undone.all).toBe(0);
      expect((await yankedFlags()).every((y) => y === false)).toBe(true);
      expect(undone.all).not.toContain(CANARY);
    } finally {
      await release.cleanup();
    }
  });
});

describe('a release interrupted by the crates registry going down resumes with exactly the missing crates', () => {
  // cut after the first crate, in the middle, and late: after 9 of the 11 only the
  // chain analytics -> micromegas is left, so an upload that slips through before
  // the registry is down still leaves the last crate to resume
  it.each([1, 6, 9])('registry stopped after %i crate(s) were published', async (cut) => {
    const release = await releaseSetup(`nx-polyglot-resume-${cut}-`);
    try {
      const crates = await publishableCrates(join(release.copy, 'rust'));
      // one upload at a time, so that the cut falls between two crates
      const first = release.publish('--projects=tag:lang:rust', '--maxParallel=1');
      // a tight poll: the next upload starts as soon as this one is visible
      const deadline = Date.now() + 300_000;
      while (release.records().filter((r) => r.status === 'published').length < cut) {
        if (Date.now() > deadline) throw new Error(`no ${cut} published crates after 300 s`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await stopRegistries(release.data, ['crates']);
      const interrupted = await first;
      const before = release
        .records()
        .filter((r) => r.status === 'published')
        .map((r) => r.name);
      expect(before.length).toBeGreaterThanOrEqual(cut);
      expect(before.length).toBeLessThan(crates.size);
      expect(interrupted.exitCode).not.toBe(0);
      expect(interrupted.all).toMatch(
        /registry `local` is not reachable at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/crates\/ \(ECONNREFUSED\)/,
      );

      await startRegistries(release.data, CANARY, ['crates']);
      writeFileSync(release.log, '');
      const resumed = await release.publish('--projects=tag:lang:rust');
      expect(resumed.exitCode, resumed.all).toBe(0);
      const after = release.records();
      const publishedNow = after
        .filter((r) => r.status === 'published')
        .map((r) => r.name)
        .sort();
      expect(publishedNow).toEqual([...crates.keys()].filter((c) => !before.includes(c)).sort());
      expect(
        after
          .filter((r) => r.status === 'skipped')
          .map((r) => r.name)
          .sort(),
      ).toEqual([...before].sort());
      for (const [crate, { version }] of crates) {
        expect(
          (await sparseIndexEntries(release.urls.CARGO_REGISTRIES_LOCAL_INDEX, crate))?.map((e) => e.vers),
          crate,
        ).toEqual([version]);
      }
    } finally {
      await release.cleanup();
    }
  });
});

describe('pre-publish checks stop the release before anything is uploaded', () => {
  it.each([
    [
      'a published crate with a path dependency that has no version',
      'rust/flight-sql-srv/Cargo.toml',
      (text: string) => text.replace(/^publish = false\n/m, ''),
      /rust\/flight-sql-srv\/Cargo\.toml: `dependencies\.micromegas`: flight-sql-srv is published, but this path dependency has no version, so cargo cannot publish it\. Add version = "0\.12\.0" beside path, or set publish = false in rust\/flight-sql-srv\/Cargo\.toml \(\[package\]\)/,
    ],
    [
      'a published crate that depends on a publish = false crate',
      'rust/perfetto/Cargo.toml',
      (text: string) => text.replace(/^(description = .*)$/m, '$1\npublish = false'),
      /rust\/analytics\/Cargo\.toml: `dependencies\.micromegas-perfetto`: micromegas-analytics is published to `local`, but depends on micromegas-perfetto, which is publish = false/,
    ],
  ])('%s', async (_, manifest, edit, message) => {
    const release = await releaseSetup('nx-polyglot-blocked-');
    try {
      const file = join(release.copy, manifest);
      writeFileSync(file, edit(readFileSync(file, 'utf8')));
      const run = await release.publish('--projects=tag:lang:rust');
      expect(run.exitCode).not.toBe(0);
      expect(run.all).toMatch(/Nothing was published/);
      expect(run.all).toMatch(message);
      expect(release.records()).toEqual([]);
      for (const crate of ['micromegas-derive-transit', 'micromegas-transit', 'micromegas']) {
        expect(await sparseIndexEntries(release.urls.CARGO_REGISTRIES_LOCAL_INDEX, crate), crate).toBeUndefined();
      }
    } finally {
      await release.cleanup();
    }
  });
});
