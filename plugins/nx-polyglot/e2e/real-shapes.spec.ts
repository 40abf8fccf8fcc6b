import { execa } from 'execa';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureWorkspace, nxIn } from './fixture-workspace';
import { executed, runNx } from './repo-copy';

/**
 * A workspace shaped like the real repositories the plugin broke on (see
 * tools/corpus): a crate at the repository root with member crates inside it,
 * an `xtask` in two Cargo workspaces, a desktop crate named like the web app's
 * package.json, a maturin package beside its crate and one pointing at a crate
 * elsewhere, tool-only pyproject.toml files, and test fixtures that are not
 * projects (one of them a manifest cargo refuses).
 */
const crate = (name: string, rest = '') => `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n${rest}`;
const lib = (test: string, body = '') => `${body}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn ${test}() {}\n}\n`;
const FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'shapes', private: true, workspaces: ['web'] }),
  'nx.json': JSON.stringify({
    plugins: [
      {
        plugin: 'nx-polyglot',
        // fixture folders hold manifests that are not projects of this repository
        exclude: ['tests/fixtures/**'],
        options: { python: { test: { command: ['compileall'], args: ['-q', '.'] } } },
      },
    ],
  }),
  '.gitignore': 'node_modules\ntarget\n.nx\n',
  // the root is a package and a workspace
  'Cargo.toml': `${crate('app', '\n[dependencies]\nutil = { path = "crates/util" }\n')}\n[workspace]\nmembers = ["crates/*", "xtask", "desktop", "bindings"]\nexclude = ["tools", "tests"]\n`,
  'src/lib.rs': lib('app_works', 'pub use util::answer;\n'),
  'docs/guide.md': '# Guide\n',
  'pyproject.toml': '[tool.ruff]\nline-length = 100\n',
  'crates/util/Cargo.toml': crate('util', 'exclude = ["testdata"]\n'),
  'crates/util/src/lib.rs': lib('util_works', 'pub fn answer() -> u32 {\n    42\n}\n'),
  'crates/util/testdata/sample.txt': 'sample\n',
  'xtask/Cargo.toml': crate('xtask', 'publish = false\n'),
  'xtask/src/main.rs': `fn main() {\n    println!("root xtask ran");\n}\n${lib('root_xtask_works')}`,
  'tools/xtask/Cargo.toml': `${crate('xtask', 'publish = false\n')}\n[workspace]\n`,
  'tools/xtask/src/main.rs': `fn main() {}\n${lib('tools_xtask_works')}`,
  'desktop/Cargo.toml': crate('pot', '\n[dependencies]\nutil = { path = "../crates/util" }\n'),
  'desktop/src/lib.rs': lib('desktop_works'),
  'web/package.json': JSON.stringify({ name: 'pot', version: '0.1.0', private: true }),
  'web/src/index.js': 'export const x = 1;\n',
  // maturin: the crate beside the Python package, and one elsewhere through manifest-path
  'bindings/Cargo.toml': crate(
    'app-py',
    '\n[lib]\ncrate-type = ["cdylib", "rlib"]\n\n[dependencies]\nutil = { path = "../crates/util" }\n',
  ),
  'bindings/src/lib.rs': lib('bindings_work'),
  'bindings/pyproject.toml':
    '[project]\nname = "app-bindings"\nversion = "0.1.0"\n\n[build-system]\nrequires = ["maturin>=1.5"]\nbuild-backend = "maturin"\n',
  'python/sdk/pyproject.toml':
    '[project]\nname = "sdk"\nversion = "0.1.0"\n\n[build-system]\nrequires = ["maturin>=1.5"]\nbuild-backend = "maturin"\n\n[tool.maturin]\nmanifest-path = "../../crates/util/Cargo.toml"\n',
  'python/sdk/sdk/__init__.py': 'VERSION = "0.1.0"\n',
  'python/docs/pyproject.toml': '[tool.black]\nline-length = 88\n',
  'tests/fixtures/broken/Cargo.toml': '[package]\nname = "broken"\nversion = "1"\n',
  'tests/fixtures/nameless/pyproject.toml': '[project]\nversion = "1.0.0"\n',
};

describe('the plugin on a workspace of real-repository shapes', () => {
  let root: string;
  const nx = (...args: string[]) => nxIn(root, args);

  beforeAll(async () => {
    root = await fixtureWorkspace('nx-polyglot-shapes-', FILES);
    await execa('cargo', ['generate-lockfile', '--offline'], { cwd: root });
    await execa('cargo', ['generate-lockfile', '--offline'], { cwd: join(root, 'tools', 'xtask') });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('gives every project a unique name by the documented rule, and no fixture or tool-only pyproject is a project', async () => {
    const result = await nx('show', 'projects', '--json');
    expect(result.exitCode, result.all).toBe(0);
    expect(JSON.parse(result.stdout).sort()).toEqual([
      'app',
      'app-bindings',
      'pot',
      'rust-pot',
      'sdk',
      'util',
      'xtask@tools/xtask',
      'xtask@xtask',
    ]);
  });

  it('draws the edges cargo and maturin declare, by root', async () => {
    await nx('graph', '--file=graph.json');
    const graph = JSON.parse(readFileSync(join(root, 'graph.json'), 'utf8')).graph;
    const edges = (p: string) => graph.dependencies[p].map((d: { target: string }) => d.target).sort();
    expect(edges('app')).toEqual(['util']);
    expect(edges('rust-pot')).toEqual(['util']);
    expect(edges('app-bindings')).toEqual(['util']); // its crate's dependency; the crate itself is the same project
    expect(edges('sdk')).toEqual(['util']); // maturin manifest-path
    expect(edges('pot')).toEqual([]);
    // the maturin package and its crate are one project with both ecosystems' targets
    expect(Object.keys(graph.nodes['app-bindings'].data.targets).sort()).toEqual(
      expect.arrayContaining(['build', 'rust-test', 'rust-lint', 'rust-format', 'test']),
    );
  });

  it.each([
    ['xtask@xtask', 'root_xtask_works'],
    ['xtask@tools/xtask', 'tools_xtask_works'],
    ['rust-pot', 'desktop_works'],
  ])('`nx run %s:test` runs that crate', async (project, test) => {
    const result = await nx('run', `${project}:test`, '--output-style=static', '--skip-nx-cache');
    expect(result.exitCode, result.all).toBe(0);
    expect(stripVTControlCharacters(result.all)).toContain(`test tests::${test} ... ok`);
  });

  it('makes a crate of binaries only an application with a continuous `run` target, and every target says where its help is', async () => {
    const show = async (p: string) => JSON.parse((await nx('show', 'project', p, '--json')).stdout);
    const xtask = await show('xtask@xtask');
    expect(xtask.projectType).toBe('application');
    expect(xtask.targets.run).toMatchObject({
      continuous: true,
      cache: false,
      options: { argv: ['cargo', 'run', '-p', 'xtask', '--bin', 'xtask'] },
    });
    expect(xtask.targets.test.metadata.help.command).toBe('cargo test --help');
    const util = await show('util');
    expect(util.projectType).toBe('library');
    expect(util.targets.run).toBeUndefined();
    const run = await nx('run', 'xtask@xtask:run', '--output-style=static');
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toContain('root xtask ran');
  });

  it("a root crate's own files are those cargo packages, without the projects nested in it", async () => {
    const run = () => runNx(root, ['run-many', '-t', 'test', '--projects=app,util,sdk']);
    expect(executed(await run())).toEqual(['app:test', 'sdk:test', 'util:test']);
    appendFileSync(join(root, 'web/src/index.js'), '// edit\n');
    appendFileSync(join(root, 'xtask/src/main.rs'), '// edit\n');
    appendFileSync(join(root, 'crates/util/testdata/sample.txt'), 'edit\n'); // util's `exclude`
    expect(executed(await run())).toEqual([]);
    appendFileSync(join(root, 'docs/guide.md'), 'edit\n'); // cargo would package it with `app`
    expect(executed(await run())).toEqual(['app:test']);
    appendFileSync(join(root, 'crates/util/src/lib.rs'), '// edit\n'); // a dependency of app, and the crate sdk's maturin build compiles
    expect(executed(await run())).toEqual(['app:test', 'sdk:test', 'util:test']);
  });

  it('a fixture manifest cargo refuses stops the graph unless the registration leaves the fixture folder out', async () => {
    const nxJson = JSON.parse(FILES['nx.json']);
    delete nxJson.plugins[0].exclude;
    writeFileSync(join(root, 'nx.json'), JSON.stringify(nxJson));
    try {
      const result = await nx('show', 'projects');
      expect(result.exitCode).not.toBe(0);
      expect(stripVTControlCharacters(result.all)).toMatch(
        /tests\/fixtures\/(broken\/Cargo\.toml:\s+`package\.version`|nameless\/pyproject\.toml:\s+`project\.name`)/,
      );
    } finally {
      writeFileSync(join(root, 'nx.json'), FILES['nx.json']);
    }
  });
});
