import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockMismatches } from './lock-consistency';
import { LockFile, expectedLockText, regenerateLockFiles, releaseLockFiles } from './lock-files';
import type { ReleaseManifests } from './version-sites';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lock-files-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const write = (file: string, text: string) => {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), text);
};

/** A workspace crate `core` in rust/, a standalone crate `wasm` in rust/wasm depending on it by path, a web app. */
function manifests(version: string): ReleaseManifests {
  const core = { name: 'core', version, manifestPath: join(root, 'rust/core/Cargo.toml'), dependencies: [] };
  const wasm = {
    name: 'wasm',
    version,
    manifestPath: join(root, 'rust/wasm/Cargo.toml'),
    dependencies: [{ name: 'core', path: join(root, 'rust/core'), req: version }],
  };
  const root_ = (file: string, members: unknown[]) =>
    ({ workspace: { rootManifest: file, members }, root: { file }, manifests: new Map() }) as never;
  return {
    cargo: [root_(join(root, 'rust/Cargo.toml'), [core]), root_(join(root, 'rust/wasm/Cargo.toml'), [wasm])],
    python: [],
    packageJson: [{ file: join(root, 'web/package.json'), version }],
  };
}

const cargoLock = (entries: Array<[string, string]>) =>
  `version = 4\n\n${entries.map(([n, v]) => `[[package]]\nname = "${n}"\nversion = "${v}"\n`).join('\n')}`;

describe('expectedLockText: what the tool should write, so that a rollback can tell it from a user edit', () => {
  it('a Cargo.lock: the versions of every crate it locks without a source, from any Cargo root', () => {
    write(
      'rust/wasm/Cargo.lock',
      cargoLock([
        ['core', '0.1.0'],
        ['wasm', '0.1.0'],
      ]),
    );
    const [wasmLock] = releaseLockFiles(manifests('0.2.0'), root);
    expect(expectedLockText(wasmLock, manifests('0.2.0'))?.toString()).toBe(
      cargoLock([
        ['core', '0.2.0'],
        ['wasm', '0.2.0'],
      ]),
    );
  });

  it("the root package-lock.json: the workspace packages' own entries, every other byte kept", () => {
    write('rust/Cargo.lock', cargoLock([]));
    write('package.json', JSON.stringify({ workspaces: ['web'] }));
    const lock =
      '{\n  "name": "x",\n  "packages": {\n    "": { "name": "x" },\n    "web": {\n      "version": "0.1.0"\n    }\n  }\n}\n';
    write('package-lock.json', lock);
    const npm = releaseLockFiles(manifests('0.2.0'), root).find((l) => l.file.endsWith('package-lock.json'))!;
    expect(expectedLockText(npm, manifests('0.2.0'))?.toString()).toBe(lock.replace('"0.1.0"', '"0.2.0"'));
  });
});

describe('releaseLockFiles', () => {
  it("lists every Cargo root's lock and a web app's own package-lock.json when it is no npm workspace member", () => {
    write('rust/Cargo.lock', cargoLock([['core', '0.1.0']]));
    write('rust/wasm/Cargo.lock', cargoLock([['wasm', '0.1.0']]));
    write('package.json', JSON.stringify({ workspaces: ['plugins/*'] }));
    write('package-lock.json', '{}');
    write('web/package-lock.json', '{}');
    expect(
      releaseLockFiles(manifests('0.1.0'), root).map((l) => [
        l.file.slice(root.length + 1),
        l.cwd.slice(root.length + 1),
      ]),
    ).toEqual([
      ['rust/Cargo.lock', 'rust'],
      ['rust/wasm/Cargo.lock', 'rust/wasm'],
      ['package-lock.json', ''],
      ['web/package-lock.json', 'web'],
    ]);
  });

  it("leaves a workspace member's stray package-lock.json alone: npm updates the root lock for it", () => {
    write('package.json', JSON.stringify({ workspaces: ['web'] }));
    write('package-lock.json', '{}');
    write('web/package-lock.json', '{}');
    expect(releaseLockFiles(manifests('0.1.0'), root).map((l) => l.file)).toEqual([join(root, 'package-lock.json')]);
  });
});

describe('lockMismatches across Cargo roots', () => {
  it("checks the workspace crates a standalone crate's own lock records, and a web app's own lock", () => {
    write('rust/Cargo.lock', cargoLock([['core', '0.2.0']]));
    write(
      'rust/wasm/Cargo.lock',
      cargoLock([
        ['core', '0.1.0'],
        ['wasm', '0.2.0'],
      ]),
    );
    write('web/package-lock.json', JSON.stringify({ lockfileVersion: 3, packages: { '': { version: '0.1.0' } } }));
    expect(lockMismatches(manifests('0.2.0'), root)).toEqual([
      { file: join(root, 'rust/wasm/Cargo.lock'), key: 'package.core.version', found: '0.1.0', expected: '0.2.0' },
      { file: join(root, 'web/package-lock.json'), key: 'packages[""].version', found: '0.1.0', expected: '0.2.0' },
    ]);
  });
});

describe('uv.lock', () => {
  // a uv workspace (root package + member) and a Poetry package with no uv.lock
  const uvWorkspace = () => {
    write(
      'py/pyproject.toml',
      '[project]\nname = "root"\nversion = "0.1.0"\nrequires-python = ">=3.9"\ndependencies = ["core>=0.1,<0.2"]\n\n[tool.uv.workspace]\nmembers = ["pkgs/*"]\n\n[tool.uv.sources]\ncore = { workspace = true }\n',
    );
    write(
      'py/pkgs/core/pyproject.toml',
      '[project]\nname = "core"\nversion = "0.1.0"\nrequires-python = ">=3.9"\n\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
    );
    write('py/pkgs/core/src/core/__init__.py', '');
    write('poetry/pyproject.toml', '[tool.poetry]\nname = "p"\nversion = "0.1.0"\n');
  };
  const python = (files: string[]): ReleaseManifests =>
    ({ cargo: [], packageJson: [], python: files.map((f) => ({ manifestPath: join(root, f) })) }) as never;

  it("is the uv workspace's lock for a member and the root alike, once; a package outside uv has none", async () => {
    uvWorkspace();
    const { execa } = await import('execa');
    await execa('uv', ['lock', '--offline'], { cwd: join(root, 'py') });
    const locks = releaseLockFiles(
      python(['py/pkgs/core/pyproject.toml', 'py/pyproject.toml', 'poetry/pyproject.toml']),
      root,
    );
    expect(locks.map((l) => [l.file.slice(root.length + 1), l.command.join(' '), l.online?.join(' ')])).toEqual([
      ['py/uv.lock', 'uv lock --offline', 'uv lock'],
    ]);
    // a member's new version is what uv records, with no network and no cache of other packages
    write(
      'py/pkgs/core/pyproject.toml',
      readFileSync(join(root, 'py/pkgs/core/pyproject.toml'), 'utf8').replace('0.1.0', '0.2.0'),
    );
    expect(await regenerateLockFiles(locks)).toBeUndefined();
    expect(readFileSync(join(root, 'py/uv.lock'), 'utf8')).toMatch(/name = "core"\nversion = "0.2.0"/);
  });
});

describe('regenerateLockFiles', () => {
  /** A stand-in tool that fails as cargo does offline with a cold index, and works online. */
  function tool(): string {
    const file = join(root, 'tool.sh');
    writeFileSync(
      file,
      '#!/bin/sh\necho "$1" >> calls\nif [ "$1" = offline ]; then echo "error: no matching package named \\`serde\\` found\nAs a reminder, you\'re using offline mode (--offline)" >&2; exit 101; fi\n',
      { mode: 0o755 },
    );
    return file;
  }

  it('retries an offline cargo update online when cargo says offline mode was in the way, and says so', async () => {
    const said: string[] = [];
    const lock: LockFile = {
      file: join(root, 'Cargo.lock'),
      command: [tool(), 'offline'],
      online: [tool(), 'online'],
      cwd: root,
    };
    expect(await regenerateLockFiles([lock], { say: (l) => said.push(l) })).toBeUndefined();
    expect(said).toEqual([expect.stringMatching(/could not work offline.*retrying with `.*tool\.sh online`/)]);
  });

  it('stops at the first lock file that fails for another reason, naming its command; later ones are not run', async () => {
    const fail = join(root, 'fail.sh');
    writeFileSync(fail, '#!/bin/sh\necho "broken on purpose" >&2\nexit 1\n', { mode: 0o755 });
    const spawned: string[] = [];
    const failure = await regenerateLockFiles(
      [
        { file: join(root, 'a.lock'), command: [fail], online: [tool(), 'online'], cwd: root },
        { file: join(root, 'b.lock'), command: [tool(), 'online'], cwd: root },
      ],
      { onSpawn: (_pid, command) => spawned.push(command) },
    );
    expect(failure).toMatchObject({ command: [fail], result: { exitCode: 1, output: 'broken on purpose\n' } });
    expect(spawned).toEqual([fail]);
  });

  it("sets a web app's own package-lock.json version in place, every other byte kept (npm install would re-resolve the tree)", async () => {
    write('package.json', JSON.stringify({ workspaces: ['plugins/*'] }));
    write('web/package.json', '{ "name": "web", "version": "0.2.0" }\n');
    // npm's layout, with the `resolved` fields some npm settings would drop on a re-resolution
    const lock = (v: string) =>
      `{\n  "name": "web",\n  "version": "${v}",\n  "lockfileVersion": 3,\n  "packages": {\n    "": {\n      "name": "web",\n      "version": "${v}",\n      "dependencies": { "left-pad": "^1.3.0" }\n    },\n    "node_modules/left-pad": {\n      "version": "1.3.0",\n      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz"\n    }\n  }\n}\n`;
    write('web/package-lock.json', lock('0.1.0'));
    const locks = releaseLockFiles(manifests('0.2.0'), root).filter((l) => l.file.endsWith('package-lock.json'));
    expect(locks.map((l) => [l.file.slice(root.length + 1), l.inPlace])).toEqual([
      ['web/package-lock.json', 'own-version'],
    ]);
    expect(await regenerateLockFiles(locks)).toBeUndefined();
    expect(readFileSync(join(root, 'web/package-lock.json'), 'utf8')).toBe(lock('0.2.0'));
    expect(lockMismatches(manifests('0.2.0'), root)).toEqual([]);
  });

  it("fails naming the file when a web app's lock has no version of its own to set, and writes nothing", async () => {
    write('web/package.json', '{ "name": "web", "version": "0.2.0" }\n');
    write('web/package-lock.json', '{ "lockfileVersion": 3 }\n');
    const failure = await regenerateLockFiles(releaseLockFiles(manifests('0.2.0'), root));
    expect(failure?.result.output).toMatch(/web\/package-lock\.json: neither "version" nor packages\[""\]\.version/);
    expect(readFileSync(join(root, 'web/package-lock.json'), 'utf8')).toBe('{ "lockfileVersion": 3 }\n');
  });
});
