import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CreateDependenciesContext, CreateNodesContextV2, ProjectConfiguration } from '@nx/devkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AggregateCreateNodesError } from 'nx/src/project-graph/error-types';
import { createNodes } from './create-nodes';
import { createDependencies, polyglotEdges } from './create-dependencies';
import { loadPolyglotModel, manifestCaches, resetManifestCaches } from './polyglot-model';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'create-nodes-'));
  resetManifestCaches();
  manifestCaches(join(root, '.nx', 'workspace-data'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The project configurations createNodes returns for a workspace of these files, by root. */
async function projects(files: Record<string, string>, options = {}): Promise<Record<string, ProjectConfiguration>> {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const context = { workspaceRoot: root, nxJsonConfiguration: {} } as CreateNodesContextV2;
  const results = await createNodes[1](Object.keys(files), options, context);
  return Object.assign({}, ...results.map(([, r]) => r.projects));
}

const crate = (name: string, rest = '') => `[package]\nname = "${name}"\nversion = "0.30.0"\nedition = "2021"\n${rest}`;

describe('createNodes', () => {
  it('orders the publish of a crate after the crates of another Cargo workspace it needs (path + version)', async () => {
    const p = await projects(
      {
        'rust/Cargo.toml': '[workspace]\nmembers = ["a", "b"]\nexclude = ["wasm"]\n',
        'rust/a/Cargo.toml': crate('a'),
        'rust/b/Cargo.toml': crate('b', '\n[dependencies]\na = { path = "../a", version = "0.30.0" }\n'),
        'rust/wasm/Cargo.toml': crate(
          'wasm',
          '\n[dependencies]\na = { path = "../a", version = "0.30.0" }\nb = { path = "../b", version = "0.30.0" }\n\n[dev-dependencies]\nb = { path = "../b" }\n',
        ),
      },
      { publish: { cargo: { registry: 'local' } } },
    );
    expect(p['rust/wasm'].targets?.publish?.dependsOn).toEqual([{ target: 'publish', projects: ['a', 'b'] }]);
    expect(p['rust/wasm'].targets?.['nx-release-publish']?.dependsOn).toEqual([
      { target: 'nx-release-publish', projects: ['a', 'b'] },
    ]);
    expect(p['rust/b'].targets?.publish?.dependsOn).toEqual([{ target: 'publish', projects: ['a'] }]);
    expect(p['rust/a'].targets?.publish?.dependsOn).toEqual([]);
    expect(p['rust/wasm'].metadata?.cargo).toMatchObject({ package: 'wasm', workspace: 'rust/wasm/Cargo.toml' });
  });

  it('makes a maturin package and its crate in one directory one project, the crate targets prefixed', async () => {
    const p = await projects({
      'py/Cargo.toml': crate('core-py'),
      'py/src/lib.rs': '',
      'py/pyproject.toml':
        '[project]\nname = "core"\nversion = "0.30.0"\ndependencies = []\n\n[dependency-groups]\ndev = ["pytest"]\n\n[build-system]\nbuild-backend = "maturin"\n',
    });
    expect(Object.keys(p)).toEqual(['py']);
    expect(p.py.name).toBe('core');
    expect(p.py.tags).toEqual(['lang:python', 'lang:rust']);
    expect(Object.keys(p.py.targets ?? {}).sort()).toEqual(
      [
        'build',
        'nx-release-publish',
        'publish',
        'rust-build',
        'rust-format',
        'rust-lint',
        'rust-nx-release-publish',
        'rust-publish',
        'rust-test',
        'rust-yank',
        'test',
      ].sort(),
    );
    expect(p.py.namedInputs?.['polyglot-files']).toEqual([
      '{projectRoot}/**/*',
      '!{projectRoot}/dist/**',
      '!{projectRoot}/**/__pycache__/**',
      '!{projectRoot}/target/**',
    ]);
  });

  it("prefixes a napi crate's targets beside its package.json, whose npm scripts keep theirs", async () => {
    const p = await projects({
      'package.json': '{"name":"root","private":true,"workspaces":["packages/*"]}',
      'Cargo.toml': '[workspace]\nmembers = ["packages/cli"]\n',
      'packages/cli/Cargo.toml': crate('cli-node'),
      'packages/cli/package.json': '{"name":"@acme/cli","scripts":{"build":"napi build","test":"vitest run"}}',
    });
    expect(p['packages/cli'].name).toBe('@acme/cli');
    expect(Object.keys(p['packages/cli'].targets ?? {}).sort()).toEqual([
      'rust-build',
      'rust-format',
      'rust-lint',
      'rust-nx-release-publish',
      'rust-publish',
      'rust-test',
      'rust-yank',
    ]);
    expect(p['packages/cli'].targets?.['rust-test']?.options).toMatchObject({ package: 'cli-node', command: ['test'] });
  });

  it('stops on a path dependency onto nothing, naming the manifest and the key (Nx would carry on without edges from createDependencies)', async () => {
    const run = () =>
      projects({
        'Cargo.toml': '[workspace]\nmembers = ["a"]\nexclude = ["stray"]\n',
        'a/Cargo.toml': crate('a'),
        'stray/Cargo.toml': crate('stray', '\n[dependencies]\nb = { path = "../missing/" }\n'),
        'py/pyproject.toml': '[project]\nname = "py"\n',
      });
    const error = (await run().catch((e: unknown) => e)) as { errors: Array<[string, Error]> };
    expect(error.errors.map(([file, e]) => `${file}: ${e.message}`)).toEqual([
      `stray/Cargo.toml: \`dependencies.b\`: is a path dependency on ${root}/missing, which has no Cargo.toml. Fix the path, or create the crate there. Or, if it is no package of this repository (a template, a fixture), leave it out: add "stray/**" to "exclude" of the nx-polyglot plugin in nx.json`,
    ]);
  });

  it('draws an edge onto a Python path dependency written with a trailing slash, and accepts one onto a wheel', async () => {
    await projects({
      'core/pyproject.toml': '[tool.poetry]\nname = "core"\nversion = "0.1.0"\n',
      'app/pyproject.toml':
        '[tool.poetry]\nname = "app"\nversion = "0.1.0"\n\n[tool.poetry.dependencies]\ncore = { path = "../core/", develop = true }\nvendored = { path = "../wheels/vendored-1.0-py3-none-any.whl" }\n',
      'wheels/vendored-1.0-py3-none-any.whl': 'not really a wheel',
    });
    const edges = polyglotEdges(loadPolyglotModel(root, ['core/pyproject.toml', 'app/pyproject.toml']).projects);
    expect(edges.map((e) => `${e.source} -> ${e.target}`)).toEqual(['app -> core']);
  });

  it("makes the lock file a Python project runs with an input of its checks: a uv member's is its workspace's uv.lock", async () => {
    const member = (name: string) =>
      `[project]\nname = "${name}"\nversion = "0.1.0"\ndependencies = []\n\n[dependency-groups]\ndev = ["pytest", "ruff"]\n`;
    const p = await projects({
      'pyproject.toml': '[tool.uv.workspace]\nmembers = ["packages/*"]\n',
      'uv.lock': 'version = 1\n',
      'packages/core/pyproject.toml': member('core'),
      // beside the workspace, not in it: its own lock only
      'tools/cli/pyproject.toml': member('cli'),
    });
    /** The file globs a target reads, its named inputs expanded as Nx does. */
    const files = (project: ProjectConfiguration, target: string): string[] => {
      const expand = (input: unknown): string[] =>
        typeof input !== 'string'
          ? []
          : project.namedInputs?.[input]
            ? project.namedInputs[input].flatMap(expand)
            : [input];
      return (project.targets?.[target]?.inputs ?? []).flatMap(expand);
    };
    for (const target of ['test', 'lint']) {
      expect(files(p['packages/core'], target)).toContain('{workspaceRoot}/uv.lock');
      expect(files(p['tools/cli'], target)).not.toContain('{workspaceRoot}/uv.lock');
      expect(files(p['tools/cli'], target)).toContain('{workspaceRoot}/tools/cli/uv.lock');
    }
  });

  it('gives a Python package without a lock of its own the lock of the project around it', async () => {
    const p = await projects({
      'pyproject.toml':
        '[tool.poetry]\nname = "app"\nversion = "0.1.0"\n\n[tool.poetry.dependencies]\nlib = { path = "libs/lib", develop = true }\n',
      'libs/lib/pyproject.toml': '[tool.poetry]\nname = "lib"\nversion = "0.1.0"\n',
    });
    expect(p['libs/lib'].namedInputs?.['python-lock']).toEqual(
      expect.arrayContaining(['{workspaceRoot}/libs/lib/poetry.lock', '{workspaceRoot}/poetry.lock']),
    );
    expect(p['.'].namedInputs?.['python-lock']).not.toContain('{workspaceRoot}/libs/lib/poetry.lock');
  });

  it('gives a maturin package at the root the files maturin packages: its Python source and its crate as cargo packages it', async () => {
    const p = await projects({
      'Cargo.toml': crate('fast-thing', 'include = ["/src", "/build.rs"]\n'),
      'src/lib.rs': '',
      'pyproject.toml':
        '[project]\nname = "fast-thing"\nversion = "0.30.0"\ndependencies = []\n\n[dependency-groups]\ndev = ["pytest", "ruff"]\n\n[build-system]\nbuild-backend = "maturin"\n\n[tool.maturin]\npython-source = "python"\n',
    });
    const files = p['.'].namedInputs?.['polyglot-files'] ?? [];
    expect(files).toEqual(
      expect.arrayContaining([
        '{projectRoot}/python/**',
        '{projectRoot}/src',
        '{projectRoot}/src/**',
        '{projectRoot}/build.rs',
      ]),
    );
    expect(files).not.toContain('{projectRoot}/**/*');
    // ruff checks every Python file under the root: its inputs say so
    expect(p['.'].targets?.lint?.inputs).toContain('python-sources');
    expect(p['.'].targets?.test?.inputs).not.toContain('python-sources');
  });

  it('leaves the files of nested projects out of a root crate', async () => {
    const p = await projects({
      'Cargo.toml': `${crate('app')}\n[workspace]\nmembers = ["crates/util"]\n`,
      'crates/util/Cargo.toml': crate('util'),
      'web/package.json': '{"name":"web"}',
      'package.json': '{"name":"root","workspaces":["web"]}',
    });
    expect(p['.'].namedInputs?.['polyglot-files']).toEqual([
      '{projectRoot}/**/*',
      '!{projectRoot}/target/**',
      '!{projectRoot}/crates/util/**',
      '!{projectRoot}/web/**',
    ]);
  });

  it('createDependencies draws the edges from the model createNodes built in the same process, reading no manifest again', async () => {
    const options = { publish: { cargo: { registry: 'local' } } };
    const p = await projects(
      {
        'Cargo.toml': '[workspace]\nmembers = ["a", "b"]\n',
        'a/Cargo.toml': crate('a'),
        'b/Cargo.toml': crate('b', '\n[dependencies]\na = { path = "../a" }\n'),
      },
      options,
    );
    // what Nx hands createDependencies: the merged projects, by name
    const context = {
      workspaceRoot: root,
      projects: Object.fromEntries(Object.values(p).map((c) => [c.name, c])),
    } as unknown as CreateDependenciesContext;
    // a manifest no parser accepts: reading it again would fail instead of giving the edge
    writeFileSync(join(root, 'b', 'Cargo.toml'), '[package\n');
    const edges = await createDependencies(options, context);
    expect(edges).toEqual([{ source: 'b', target: 'a', type: 'static', sourceFile: 'b/Cargo.toml' }]);
    // the model is only for the workspace and options it was built with: other options read the manifests
    await expect(Promise.resolve().then(() => createDependencies({}, context))).rejects.toThrow('b/Cargo.toml');
  });
});

describe('createNodes with several manifests the real tools refuse', () => {
  it('reports every one in one error, each under its file with its key and fix', async () => {
    const error = await projects({
      'rust/Cargo.toml': '[workspace]\nmembers = ["a", "b"]\nresolver = "2"\n',
      'rust/a/Cargo.toml': crate('a', '\n[dependencies]\nserde.workspace = true\n'),
      'rust/b/Cargo.toml': crate('b'),
      'tools/gen/Cargo.toml': crate('gen', '\n[dependencies]\nc = { path = "../c" }\n'),
      'templates/app/Cargo.toml': crate('{{crate_name}}'),
      'python/pkg/pyproject.toml': '[project]\nname = "pkg\n',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateCreateNodesError);
    const { errors } = error as AggregateCreateNodesError;
    expect(errors.map(([file, e]) => [file, e.message.split(':')[0]]).sort()).toEqual([
      ['python/pkg/pyproject.toml:2', 'invalid TOML (Invalid TOML document'],
      ['rust/a/Cargo.toml', '`dependencies.serde`'],
      ['templates/app/Cargo.toml', '`package.name`'],
      ['tools/gen/Cargo.toml', '`dependencies.c`'],
    ]);
    // a manifest no workspace pulls in may be left out instead; a member may not
    const hint = (file: string) => errors.find(([f]) => f === file)![1].message.match(/add "(.*)" to "exclude"/)?.[1];
    expect(hint('templates/app/Cargo.toml')).toBe('templates/app/**');
    expect(hint('rust/a/Cargo.toml')).toBeUndefined();
  });
});
