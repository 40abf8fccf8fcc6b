import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPublishLog } from '../src/publish/publish-log';
import { fixtureWorkspace, nxIn } from './fixture-workspace';
import { installRegistries, sparseIndexEntries, startRegistries, stopRegistries } from './registries';

/**
 * A crates.io rehearsal (`replacesCratesIo`) of a workspace with a
 * third-party dependency: `a` → `b` by path + version, `b` → itoa from
 * crates.io, `c` on its own. Before the rehearsal index, replacing crates.io
 * with the local registry left itoa unresolvable (`no matching package named
 * 'itoa'`). Network: loopback, and crates.io's index and downloads for itoa.
 */
const crate = (name: string, version: string, deps: string) =>
  `[package]\nname = "${name}"\nversion = "${version}"\nedition = "2021"\nlicense = "MIT"\ndescription = "${name}"\n\n[dependencies]\n${deps}`;
const manifests = (version: string, itoa: string) => ({
  'rust/a/Cargo.toml': crate('rehearsal-tp-a', version, `rehearsal-tp-b = { path = "../b", version = "${version}" }\n`),
  'rust/b/Cargo.toml': crate('rehearsal-tp-b', version, `itoa = "${itoa}"\n`),
  'rust/c/Cargo.toml': crate('rehearsal-tp-c', version, ''),
});
const FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'rehearsal-third-party', private: true }),
  'nx.json': JSON.stringify({
    plugins: [
      { plugin: 'nx-polyglot', options: { publish: { cargo: { registry: 'local', replacesCratesIo: true } } } },
    ],
  }),
  '.gitignore': 'node_modules\ntarget\n.nx\n',
  'rust/Cargo.toml': '[workspace]\nmembers = ["a", "b", "c"]\nresolver = "2"\n',
  'rust/a/src/lib.rs': 'pub fn twice(n: u64) -> String {\n    rehearsal_tp_b::show(n * 2)\n}\n',
  'rust/b/src/lib.rs': 'pub fn show(n: u64) -> String {\n    itoa::Buffer::new().format(n).to_string()\n}\n',
  'rust/c/src/lib.rs': 'pub fn answer() -> u32 {\n    42\n}\n',
  ...manifests('0.1.0', '1'),
};
const CRATES = ['rehearsal-tp-a', 'rehearsal-tp-b', 'rehearsal-tp-c'];
const TOKEN = `rehearsal-${Math.random().toString(36).slice(2)}-token`;

beforeAll(() => installRegistries(), 3_600_000);

describe('a crates.io rehearsal of a workspace with a third-party dependency', () => {
  let root: string;
  let data: string;
  let index: string;
  let env: Record<string, string>;
  const log = () => join(data, 'publish.jsonl');
  const publish = (...args: string[]) =>
    nxIn(root, ['run-many', '-t', 'publish', '--output-style=static', ...args], env);
  const versions = async (name: string) => ((await sparseIndexEntries(index, name)) ?? []).map((e) => e.vers);
  /** The manifests at `version` with b's itoa requirement, committed (cargo publishes a clean tree only). */
  const release = async (version: string, itoa: string) => {
    for (const [file, text] of Object.entries(manifests(version, itoa))) writeFileSync(join(root, file), text);
    await execa('git', ['add', '-A'], { cwd: root });
    await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', `${version} ${itoa}`], {
      cwd: root,
    });
  };

  beforeAll(async () => {
    root = await fixtureWorkspace('nx-polyglot-rehearsal-tp-', FILES);
    await release('0.1.0', '1');
    data = mkdtempSync(join(tmpdir(), 'nx-polyglot-rehearsal-tp-registries-'));
    const urls = await startRegistries(data, TOKEN, ['crates']);
    index = urls.CARGO_REGISTRIES_LOCAL_INDEX;
    env = { ...urls, CARGO_REGISTRIES_LOCAL_TOKEN: TOKEN, NX_POLYGLOT_PUBLISH_LOG: log() };
  }, 600_000);
  afterAll(async () => {
    if (data) await stopRegistries(data);
    for (const dir of [root, data]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("publishes every crate with cargo's verification on, itoa coming from crates.io; the index holds each once", async () => {
    const run = await publish();
    expect(run.exitCode, run.all).toBe(0);
    // verification built b against itoa and a against the b just uploaded
    expect(run.all).toContain('Verifying rehearsal-tp-b v0.1.0');
    expect(run.all).toMatch(/Compiling itoa v1\./);
    expect(run.all).toContain('Verifying rehearsal-tp-a v0.1.0');
    for (const name of CRATES) expect(await versions(name), name).toEqual(['0.1.0']);
    expect(
      readPublishLog(log())
        .map((r) => `${r.name} ${r.status}`)
        .sort(),
    ).toEqual(CRATES.map((c) => `${c} published`));
  });

  it('a rerun uploads nothing', async () => {
    rmSync(log());
    const run = await publish();
    expect(run.exitCode, run.all).toBe(0);
    for (const name of CRATES) expect(await versions(name), name).toEqual(['0.1.0']);
    expect(
      readPublishLog(log())
        .map((r) => `${r.name} ${r.status}`)
        .sort(),
    ).toEqual(CRATES.map((c) => `${c} skipped`));
  });

  it('a requirement crates.io cannot meet fails the dry run and the real run before any upload, naming the crate, the dependency, the requirement, the manifest and the key', async () => {
    await release('0.2.0', '999');
    const expected =
      'rust/b/Cargo.toml: `dependencies.itoa`: rehearsal-tp-b (to be published) depends on itoa = "999": no version of itoa in crates.io matches it';
    const dry = await publish('--dry-run');
    expect(dry.exitCode).not.toBe(0);
    expect(dry.all).toContain(expected);
    rmSync(log(), { force: true });
    const real = await publish();
    expect(real.exitCode).not.toBe(0);
    expect(real.all).toContain(expected);
    expect(real.all).not.toContain('Uploading');
    // c needs nothing of b, and still went nowhere: the run stopped before its first upload
    for (const name of CRATES) expect(await versions(name), name).toEqual(['0.1.0']);
  });

  it('-- --no-verify publishes without building the packaged crates, still resolving through the rehearsal index', async () => {
    await release('0.2.0', '1');
    const run = await publish('--', '--no-verify');
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).not.toContain('Verifying');
    expect(run.all).toContain('Packaging rehearsal-tp-b v0.2.0');
    for (const name of CRATES) expect(await versions(name), name).toEqual(['0.1.0', '0.2.0']);
    // the packaged crates are still resolved (a lock file), through the rehearsal index
    expect(run.all).toContain('Updating `nx-polyglot-stand-in` index');
  });
});
