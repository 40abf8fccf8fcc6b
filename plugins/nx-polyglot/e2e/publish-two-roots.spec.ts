import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPublishLog } from '../src/publish/publish-log';
import { fixtureWorkspace, nxIn } from './fixture-workspace';
import { CANARY } from './release-setup';
import { releaseEnv, sparseIndexEntries, startRegistries, stopRegistries } from './registries';

/**
 * Two Cargo roots, as in Micromegas since datafusion-wasm: the `rust/`
 * workspace, and `rust/wasm`, a standalone crate excluded from it that
 * depends by path + version on two workspace crates. One publish run plans
 * and uploads across both, the standalone crate after the crates it needs.
 */
const crate = (name: string, version: string, deps = '') =>
  `[package]\nname = "${name}"\n${version}\nedition = "2021"\ndescription = "${name}"\nlicense = "MIT"\n${deps ? `\n[dependencies]\n${deps}` : ''}`;
const FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'two-roots', private: true }),
  'nx.json': JSON.stringify({
    plugins: [
      { plugin: 'nx-polyglot', options: { publish: { cargo: { registry: 'local', replacesCratesIo: true } } } },
    ],
  }),
  '.gitignore': 'node_modules\ntarget\n.nx\n',
  'rust/Cargo.toml':
    '[workspace]\nmembers = ["core", "util"]\nexclude = ["wasm"]\nresolver = "2"\n\n[workspace.package]\nversion = "0.30.0"\n\n[workspace.dependencies]\ntwo-core = { path = "core", version = "0.30.0" }\n',
  'rust/core/Cargo.toml': crate('two-core', 'version.workspace = true'),
  'rust/core/src/lib.rs': 'pub fn answer() -> u32 {\n    42\n}\n',
  'rust/util/Cargo.toml': crate('two-util', 'version.workspace = true', 'two-core = { workspace = true }\n'),
  'rust/util/src/lib.rs': 'pub use two_core::answer;\n',
  'rust/wasm/Cargo.toml': crate(
    'two-wasm',
    'version = "0.30.0"',
    'two-core = { path = "../core", version = "0.30.0" }\ntwo-util = { path = "../util", version = "0.30.0" }\n',
  ),
  'rust/wasm/src/lib.rs': 'pub use two_util::answer;\n',
};
const CRATES = ['two-core', 'two-util', 'two-wasm'];

describe('publish across two Cargo roots (a workspace and a standalone crate beside it)', () => {
  let root: string;
  let data: string;
  let urls: Record<string, string>;
  let env: Record<string, string>;
  const log = () => join(data, 'publish.jsonl');
  const publish = (...args: string[]) =>
    nxIn(root, ['run-many', '-t', 'publish', '--output-style=static', ...args], env);

  beforeAll(async () => {
    root = await fixtureWorkspace('nx-polyglot-publish-two-roots-', FILES);
    for (const dir of ['rust', 'rust/wasm'])
      await execa('cargo', ['generate-lockfile', '--offline'], { cwd: join(root, dir) });
    // cargo publish packages committed files only
    await execa('git', ['add', '-A'], { cwd: root });
    await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '-qm', 'fixture'], {
      cwd: root,
    });
    data = mkdtempSync(join(tmpdir(), 'nx-polyglot-publish-two-roots-registries-'));
    urls = await startRegistries(data, CANARY, ['crates']);
    env = releaseEnv(root, urls, { crates: CANARY, npm: '' }, { NX_POLYGLOT_PUBLISH_LOG: log() });
  });
  afterAll(async () => {
    if (data) await stopRegistries(data);
    for (const dir of [root, data]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('--dry-run plans every crate of both roots in one order and uploads nothing', async () => {
    const run = await publish('--dry-run');
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).not.toMatch(/Cannot read properties/);
    expect(run.all).toMatch(
      /Publish plan for the Cargo registry `local` \(dry run, nothing is uploaded\):\n\s+wave 1: two-core 0\.30\.0\n\s+wave 2: two-util 0\.30\.0\n\s+wave 3: two-wasm 0\.30\.0/,
    );
    const records = readPublishLog(log());
    expect(records.map((r) => `${r.name} ${r.status}`).sort()).toEqual(CRATES.map((c) => `${c} planned`));
    for (const c of CRATES) expect(await sparseIndexEntries(urls.CARGO_REGISTRIES_LOCAL_INDEX, c), c).toBeUndefined();
  });

  it('publishes both roots, the standalone crate only once the crates it needs are visible', async () => {
    rmSync(log(), { force: true });
    const run = await publish();
    expect(run.exitCode, run.all).toBe(0);
    const records = new Map(readPublishLog(log()).map((r) => [r.name, r]));
    expect([...records.values()].map((r) => `${r.name} ${r.status}`).sort()).toEqual(
      CRATES.map((c) => `${c} published`),
    );
    const wasm = records.get('two-wasm')!;
    for (const needed of ['two-core', 'two-util'])
      expect(wasm.uploadStart!, needed).toBeGreaterThanOrEqual(records.get(needed)!.visibleAt!);
    for (const c of CRATES)
      expect(
        (await sparseIndexEntries(urls.CARGO_REGISTRIES_LOCAL_INDEX, c))?.map((e) => e.vers),
        c,
      ).toEqual(['0.30.0']);
  });

  it('checks blockers of what is published only, naming every crate that inherits a path without a version', async () => {
    // a server that inherits a version-less path dependency, as Micromegas's servers do
    const blocked = await fixtureWorkspace('nx-polyglot-publish-blocked-', {
      ...FILES,
      'rust/Cargo.toml': FILES['rust/Cargo.toml']
        .replace('members = ["core", "util"]', 'members = ["core", "util", "srv", "srv2"]')
        .replace(
          'two-core = { path = "core", version = "0.30.0" }',
          'two-core = { path = "core", version = "0.30.0" }\ntwo-util = { path = "util" }',
        ),
      'rust/srv/Cargo.toml': crate('two-srv', 'version.workspace = true', 'two-util = { workspace = true }\n'),
      'rust/srv/src/lib.rs': '',
      'rust/srv2/Cargo.toml': crate('two-srv2', 'version.workspace = true', 'two-util = { workspace = true }\n'),
      'rust/srv2/src/lib.rs': '',
    });
    try {
      const nx = (...args: string[]) => nxIn(blocked, [...args, '--output-style=static'], env);
      const excluded = await nx('run-many', '-t', 'publish', '--dry-run', '--exclude=two-srv,two-srv2');
      expect(excluded.exitCode, excluded.all).toBe(0);
      const one = await nx('run', 'two-core:publish', '--dry-run');
      expect(one.exitCode, one.all).toBe(0);

      const all = await nx('run-many', '-t', 'publish', '--dry-run');
      expect(all.exitCode).not.toBe(0);
      // every server at once, each in its own manifest, with the one shared entry that fixes them all
      const problem =
        /rust\/(srv2?)\/Cargo\.toml: `dependencies\.two-util`: two-\1 is published, but this dependency inherits `workspace\.dependencies\.two-util` of rust\/Cargo\.toml, a path dependency with no version.*one edit for all 2 published crates.*or set publish = false in rust\/\1\/Cargo\.toml/g;
      expect(all.all.match(problem), all.all).toHaveLength(2);
    } finally {
      rmSync(blocked, { recursive: true, force: true });
    }
  });
});
