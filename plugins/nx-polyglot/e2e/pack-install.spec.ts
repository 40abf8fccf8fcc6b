import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const pluginDir = join(__dirname, '..');
const nxEnv = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_SKIP_NX_CACHE: 'true' };

function write(root: string, files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/** A consumer workspace: a Cargo workspace of two crates and two Python packages, nothing else. */
const consumerFiles = (nxVersion: string, tarball: string): Record<string, string> => ({
  'package.json': JSON.stringify({
    name: 'consumer',
    private: true,
    devDependencies: { nx: nxVersion, 'nx-polyglot': `file:${tarball}` },
  }),
  'nx.json': JSON.stringify({ plugins: [{ plugin: 'nx-polyglot', options: { cargo: { lint: { name: 'clippy' } } } }] }),
  '.gitignore': 'node_modules\ntarget\n.nx\n',
  'native/Cargo.toml':
    '[workspace]\nmembers = ["crates/*"]\nresolver = "3"\n\n[workspace.package]\nversion = "1.2.3"\nedition = "2024"\n',
  'native/crates/core/Cargo.toml':
    '[package]\nname = "acme-core"\nversion.workspace = true\nedition.workspace = true\n',
  'native/crates/core/src/lib.rs':
    'pub fn answer() -> u32 {\n    42\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn answers() {\n        assert_eq!(super::answer(), 42);\n    }\n}\n',
  'native/crates/cli/Cargo.toml':
    '[package]\nname = "acme-cli"\nversion.workspace = true\nedition.workspace = true\npublish = false\n\n[dependencies]\nacme-core = { path = "../core" }\n',
  'native/crates/cli/src/main.rs':
    'fn main() {\n    println!("{}", acme_core::answer());\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn uses_core() {\n        assert_eq!(acme_core::answer(), 42);\n    }\n}\n',
  'py/client/pyproject.toml':
    '[project]\nname = "acme-client"\nversion = "1.2.3"\ndependencies = ["acme-proto"]\n\n[tool.uv.sources]\nacme-proto = { path = "../proto" }\n',
  'py/proto/pyproject.toml': '[project]\nname = "acme_proto"\nversion = "1.2.3"\n',
});

describe.each(['24.0.6', '23.3.2'])('the packed plugin installed into an Nx %s workspace', (nxVersion) => {
  let root: string;
  const nx = (...args: string[]) => execa('npx', ['nx', ...args], { cwd: root, env: nxEnv });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), `nx-polyglot-consumer-${nxVersion}-`));
    await execa('npm', ['pack', '--pack-destination', root], { cwd: pluginDir });
    const tarball = readdirSync(root).find((f) => f.endsWith('.tgz')) as string;
    write(root, consumerFiles(nxVersion, join(root, tarball)));
    await execa('npm', ['install', '--no-audit', '--no-fund'], { cwd: root });
    await execa('git', ['init', '-q'], { cwd: root });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('lists the crates and the Python packages as projects', async () => {
    const { stdout } = await nx('show', 'projects', '--json');
    expect(JSON.parse(stdout).sort()).toEqual(['acme-cli', 'acme-client', 'acme-core', 'acme_proto']);
  });

  it('draws the path-dependency edges', async () => {
    await nx('graph', '--file=graph.json');
    const graph = JSON.parse(readFileSync(join(root, 'graph.json'), 'utf8')).graph;
    expect(graph.dependencies['acme-cli']).toEqual([{ source: 'acme-cli', target: 'acme-core', type: 'static' }]);
    expect(graph.dependencies['acme-client']).toEqual([
      { source: 'acme-client', target: 'acme_proto', type: 'static' },
    ]);
    expect(graph.dependencies['acme-core']).toEqual([]);
  });

  it.each([
    [
      'a TOML syntax error',
      'native/crates/core/Cargo.toml',
      '[package]\nname = "acme-core\n',
      /native\/crates\/core\/Cargo\.toml:2:\s+invalid TOML/,
    ],
    [
      'a member glob matching a directory without Cargo.toml',
      'native/crates/empty/README.md',
      'nothing here\n',
      /native\/Cargo\.toml:\s+`workspace\.members`: matches crates\/empty, which has no Cargo\.toml/,
    ],
    [
      'a pyproject without a name',
      'py/proto/pyproject.toml',
      '[project]\nversion = "1"\n',
      /py\/proto\/pyproject\.toml:\s+`project\.name`: has no package name/,
    ],
    [
      'a misspelled plugin option',
      'nx.json',
      JSON.stringify({
        plugins: [{ plugin: 'nx-polyglot', options: { cargo: { test: { command: 'nextest run' } } } }],
      }),
      /nx\.json:\s+`options\.cargo\.test\.command`: must be a list of strings, not "nextest run"/,
    ],
  ])('reports %s with the file and the fix, without a stack trace', async (_, file, text, message) => {
    const path = join(root, file);
    const original = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    try {
      const result = await execa('npx', ['nx', 'show', 'projects'], {
        cwd: root,
        env: nxEnv,
        reject: false,
        all: true,
      });
      expect(result.exitCode).not.toBe(0);
      expect(stripVTControlCharacters(result.all)).toMatch(message);
      expect(stripVTControlCharacters(result.all)).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);
      // said once: the file as Nx heads it, not again inside the message
      const manifest = message.source.split(':')[0].replace(/\\/g, '');
      expect(stripVTControlCharacters(result.all).split(manifest).length - 1, result.all).toBe(1);
    } finally {
      if (original === undefined) rmSync(dirname(path), { recursive: true, force: true });
      else writeFileSync(path, original);
    }
  });

  it('applies the options from nx.json and runs the inferred cargo targets', async () => {
    const { stdout } = await nx('show', 'project', 'acme-core', '--json');
    expect(Object.keys(JSON.parse(stdout).targets).sort()).toEqual([
      'build',
      'clippy',
      'format',
      'nx-release-publish',
      'publish',
      'test',
      'yank',
    ]);
    const run = await nx('run-many', '-t', 'test', '--projects=acme-core,acme-cli', '--skip-nx-cache');
    expect(stripVTControlCharacters(run.stdout)).toMatch(/Successfully ran target test for 2 projects/);
  });
});

describe('`nx add` with the packed plugin on a repository without nx.json', () => {
  let root: string;
  let added: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'nx-polyglot-add-'));
    await execa('npm', ['pack', '--pack-destination', root], { cwd: pluginDir });
    const tarball = join(root, readdirSync(root).find((f) => f.endsWith('.tgz')) as string);
    const files = consumerFiles('24.0.6', tarball);
    // a repository that has never heard of the plugin, nor of Nx's configuration
    files['package.json'] = JSON.stringify({ name: 'consumer', private: true, devDependencies: { nx: '24.0.6' } });
    delete files['nx.json'];
    write(root, files);
    await execa('npm', ['install', '--no-audit', '--no-fund'], { cwd: root });
    await execa('git', ['init', '-q'], { cwd: root });
    const result = await execa('npx', ['nx', 'add', `nx-polyglot@file:${tarball}`], {
      cwd: root,
      env: nxEnv,
      all: true,
      reject: false,
    });
    expect(result.exitCode, result.all).toBe(0);
    added = stripVTControlCharacters(result.all);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates nx.json with the release group the manifests make, and the root project with the release targets', async () => {
    expect(added).toMatch(/CREATED nx\.json: registered nx-polyglot; release groups: /);
    expect(added).toMatch(/UPDATED package\.json: the targets version-check, bump, release, post-release, rollback/);
    const nxJson = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8'));
    expect(nxJson.plugins).toEqual(['nx-polyglot']);
    // the Cargo workspace's crates share its version, and the Python packages have the same one
    expect(nxJson.release.groups).toEqual({
      native: {
        projectsRelationship: 'fixed',
        projects: ['acme-cli', 'acme-core', 'acme-client', 'acme_proto'],
        releaseTag: { pattern: 'v{version}' },
      },
    });
    const { stdout } = await execa('npx', ['nx', 'show', 'projects', '--json'], { cwd: root, env: nxEnv });
    expect(JSON.parse(stdout).sort()).toEqual(['acme-cli', 'acme-client', 'acme-core', 'acme_proto', 'consumer']);
    const check = await execa('npx', ['nx', 'run', 'consumer:version-check'], { cwd: root, env: nxEnv, all: true });
    expect(stripVTControlCharacters(check.all)).toMatch(/All 4 manifests of the release group agree on 1\.2\.3/);
  });

  it('changes nothing when run again', async () => {
    const before = ['nx.json', 'package.json'].map((f) => readFileSync(join(root, f), 'utf8'));
    const again = await execa('npx', ['nx', 'g', 'nx-polyglot:init'], { cwd: root, env: nxEnv, all: true });
    expect(stripVTControlCharacters(again.all)).toMatch(/nothing was changed/);
    expect(['nx.json', 'package.json'].map((f) => readFileSync(join(root, f), 'utf8'))).toEqual(before);
  });
});
