import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureWorkspace, nxIn } from './fixture-workspace';

/**
 * Two Cargo roots, as in Micromegas since datafusion-wasm: the `rust/`
 * workspace, and `rust/wasm`, a standalone crate excluded from it (its own
 * Cargo.lock) whose path dependencies onto workspace crates carry versions.
 */
const crate = (name: string, version: string, deps = '') =>
  `[package]\nname = "${name}"\n${version}\nedition = "2021"\n${deps ? `\n[dependencies]\n${deps}` : ''}`;
const WASM = crate(
  'two-wasm',
  'version = "0.30.0"',
  'two-core = { path = "../core", version = "0.30.0" }\ntwo-util = { path = "../util", version = "0.30.0", default-features = false }\n',
);
const FILES: Record<string, string> = {
  'package.json': JSON.stringify({
    name: 'two-roots',
    private: true,
    nx: {
      targets: {
        'version-check': { executor: 'nx-polyglot:version-check', cache: false },
        bump: { executor: 'nx-polyglot:bump', cache: false },
      },
    },
  }),
  'nx.json': JSON.stringify({
    plugins: ['nx-polyglot'],
    release: {
      projects: ['tag:lang:rust'],
      projectsRelationship: 'fixed',
      version: { versionActions: 'nx-polyglot/dist/release/version-actions.js' },
      releaseTag: { pattern: 'v{version}' },
    },
  }),
  '.gitignore': 'node_modules\ntarget\n.nx\n',
  'rust/Cargo.toml':
    '[workspace]\nmembers = ["core", "util"]\nexclude = ["wasm"]\nresolver = "2"\n\n[workspace.package]\nversion = "0.30.0"\n\n[workspace.dependencies]\ntwo-core = { path = "core", version = "0.30.0" }\n',
  'rust/core/Cargo.toml': crate('two-core', 'version.workspace = true'),
  'rust/core/src/lib.rs': 'pub fn answer() -> u32 {\n    42\n}\n',
  'rust/util/Cargo.toml': crate('two-util', 'version.workspace = true', 'two-core = { workspace = true }\n'),
  'rust/util/src/lib.rs': 'pub use two_core::answer;\n',
  'rust/wasm/Cargo.toml': WASM,
  'rust/wasm/src/lib.rs': 'pub use two_util::answer;\n',
};

const MANIFESTS = ['rust/Cargo.toml', 'rust/wasm/Cargo.toml'];
/** What a bump 0.30.0 -> 0.31.0 changes: the two manifests with versions, and both roots' lock files. */
const BUMPED = [...MANIFESTS, 'rust/Cargo.lock', 'rust/wasm/Cargo.lock'].sort();

describe('a standalone crate beside a Cargo workspace: version-check, bump and nx release version', () => {
  let root: string;
  const git = async (...args: string[]) => (await execa('git', args, { cwd: root })).stdout;
  const nx = (args: string[], env: Record<string, string> = {}) => nxIn(root, args, env);
  const release = (version: string, env: Record<string, string> = {}) =>
    nx(['release', 'version', version, '--git-commit=false', '--git-tag=false', '--stage-changes=false'], env);
  const text = (file: string) => readFileSync(join(root, file), 'utf8');
  /** The changed files and their bytes, then the tree put back to the last commit. */
  const takeChanges = async () => {
    const files = (await git('diff', '--name-only')).split('\n').filter(Boolean).sort();
    const bytes = Object.fromEntries(files.map((f) => [f, text(f)]));
    await git('checkout', '--', '.');
    return { files, bytes };
  };
  const cargoLocked = (dir: string) =>
    execa('cargo', ['metadata', '--format-version', '1', '--offline', '--locked'], {
      cwd: join(root, dir),
      reject: false,
      all: true,
    });

  beforeAll(async () => {
    root = await fixtureWorkspace('nx-polyglot-two-roots-', FILES);
    await execa('cargo', ['generate-lockfile', '--offline'], { cwd: join(root, 'rust') });
    await execa('cargo', ['generate-lockfile', '--offline'], { cwd: join(root, 'rust/wasm') });
    await git('add', '.');
    await git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'two roots');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('version-check passes when both roots agree, and names a wrong requirement of the standalone crate by file and key', async () => {
    const ok = await nx(['run', 'two-roots:version-check']);
    expect(ok.exitCode, ok.all).toBe(0);
    writeFileSync(join(root, 'rust/wasm/Cargo.toml'), WASM.replace('version = "0.30.0" }', 'version = "0.29.0" }'));
    try {
      // cargo refuses it too: the check says what cargo would stop on
      expect((await cargoLocked('rust/wasm')).exitCode).not.toBe(0);
      const check = await nx(['run', 'two-roots:version-check']);
      expect(check.exitCode).not.toBe(0);
      expect(stripVTControlCharacters(check.all)).toMatch(
        /rust\/wasm\/Cargo\.toml +dependencies\.two-core\.version +0\.29\.0 +a requirement admitting 0\.30\.0/,
      );
    } finally {
      await git('checkout', '--', '.');
    }
  });

  let bumped: Awaited<ReturnType<typeof takeChanges>>;

  it('bump updates the standalone crate with the workspace, byte for byte, and both lock files', async () => {
    const run = await nx(['run', 'two-roots:bump', '--to=0.31.0']);
    expect(run.exitCode, run.all).toBe(0);
    for (const file of MANIFESTS) expect(text(file), file).toBe(FILES[file].replaceAll('0.30.0', '0.31.0'));
    for (const dir of ['rust', 'rust/wasm']) {
      const locked = await cargoLocked(dir);
      expect(locked.exitCode, locked.all).toBe(0);
    }
    const check = await nx(['run', 'two-roots:version-check', '--expected=0.31.0']);
    expect(check.exitCode, check.all).toBe(0);
    bumped = await takeChanges();
    expect(bumped.files).toEqual(BUMPED);
  });

  it('nx release version changes exactly the files bump changes, to the same bytes', async () => {
    expect(bumped).toBeDefined();
    const run = await release('0.31.0');
    expect(run.exitCode, run.all).toBe(0);
    expect(await takeChanges()).toEqual(bumped);
  });

  it('nx release version --dry-run lists the lock files it would regenerate and changes nothing', async () => {
    const run = await nx(['release', 'version', '0.31.0', '--dry-run', '--git-commit=false', '--git-tag=false']);
    expect(run.exitCode, run.all).toBe(0);
    const said = stripVTControlCharacters(run.all);
    expect(said).toMatch(/Would regenerate rust\/Cargo\.lock with `cargo update --workspace --offline`/);
    expect(said).toMatch(/Would regenerate rust\/wasm\/Cargo\.lock with `cargo update --workspace --offline`/);
    expect(await git('status', '--porcelain')).toBe('');
  });

  it('a failing nx release version leaves the tree as it was: an unparsable requirement, a lock file that cannot be regenerated', async () => {
    writeFileSync(join(root, 'rust/wasm/Cargo.toml'), WASM.replace('version = "0.30.0" }', 'version = "zero" }'));
    await git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-am', 'unparsable');
    const unparsable = await release('0.31.0');
    expect(unparsable.exitCode).not.toBe(0);
    expect(stripVTControlCharacters(unparsable.all)).toMatch(
      /rust\/wasm\/Cargo\.toml.*dependencies\.two-core\.version/,
    );
    expect(await git('status', '--porcelain')).toBe('');
    await git('reset', '-q', '--hard', 'HEAD~1');

    // after Nx has written every manifest: the lock files fail, every file goes back
    const bin = mkdtempSync(join(tmpdir(), 'broken-cargo-'));
    writeFileSync(join(bin, 'cargo'), '#!/bin/sh\necho "cargo: broken on purpose" >&2\nexit 1\n', { mode: 0o755 });
    try {
      const broken = await release('0.31.0', { PATH: `${bin}:${process.env.PATH}` });
      expect(broken.exitCode).not.toBe(0);
      expect(stripVTControlCharacters(broken.all)).toMatch(
        /Regenerating rust\/Cargo\.lock failed \(`cargo update --workspace --offline` exited with 1\); every file is as it was/,
      );
      expect(await git('status', '--porcelain')).toBe('');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
