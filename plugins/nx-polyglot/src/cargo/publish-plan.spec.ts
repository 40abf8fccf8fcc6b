import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR, realCargoFiles } from './__fixtures__/cargo-metadata';
import { CargoDependency, CargoPackage, CargoWorkspace, loadCargoWorkspaces } from './cargo-workspace';
import {
  CRATES_IO_RATE_LIMIT,
  asOneWorkspace,
  cratesOfTasks,
  publishBlockers,
  publishConstraints,
  publishWaves,
  rateLimitProblem,
} from './publish-plan';

const dep = (name: string, kind: CargoDependency['kind'], req: string | null, path = true): CargoDependency => ({
  name,
  rename: null,
  kind,
  target: null,
  req,
  path: path ? `/ws/${name}` : null,
  optional: false,
  manifestKey: `${kind === 'normal' ? '' : `${kind}-`}dependencies.${name}`,
  inherited: false,
  keyPath: [kind === 'normal' ? 'dependencies' : `${kind}-dependencies`, name],
});
const crate = (name: string, dependencies: CargoDependency[] = [], publish: string[] | null = null): CargoPackage => ({
  name,
  version: '0.12.0',
  manifestPath: `/ws/${name}/Cargo.toml`,
  publish,
  dependencies,
  include: null,
  exclude: [],
});
const ws = (...members: CargoPackage[]): CargoWorkspace => ({ rootManifest: '/ws/Cargo.toml', members });

describe('publishConstraints', () => {
  it('orders by normal, build and versioned dev-dependencies, ignoring path-only dev-dependencies and registry namesakes', () => {
    const w = ws(
      crate('transit', [dep('derive', 'normal', '^0.12'), dep('tracing', 'dev', null)]),
      crate('derive'),
      crate('tracing', [dep('transit', 'normal', '0.12.0')]),
      crate('analytics', [
        dep('tracing', 'build', '0.12.0'),
        dep('sink', 'dev', '0.12.0'),
        dep('serde', 'normal', '1', false),
      ]),
      crate('sink'),
    );
    expect(Object.fromEntries(publishConstraints(w, 'local'))).toEqual({
      transit: ['derive'],
      derive: [],
      tracing: ['transit'],
      analytics: ['sink', 'tracing'],
      sink: [],
    });
  });

  it('leaves out crates that may not go to the registry', () => {
    const w = ws(crate('lib'), crate('server', [dep('lib', 'normal', null)], []), crate('internal', [], ['company']));
    expect([...publishConstraints(w, 'local').keys()]).toEqual(['lib']);
    expect([...publishConstraints(w, 'company').keys()]).toEqual(['lib', 'internal']);
  });
});

describe('publishWaves', () => {
  it('puts each crate one wave after the last crate it needs', () => {
    const waves = publishWaves(
      new Map([
        ['a', []],
        ['b', ['a']],
        ['c', ['a']],
        ['d', ['b', 'c']],
        ['e', []],
      ]),
    );
    expect(waves).toEqual([['a', 'e'], ['b', 'c'], ['d']]);
  });

  it('names the crates of a cycle cargo cannot publish', () => {
    expect(() =>
      publishWaves(
        new Map([
          ['a', ['b']],
          ['b', ['a']],
          ['c', []],
        ]),
      ),
    ).toThrow(/cycle cargo cannot publish: a, b/);
  });
});

describe('publishBlockers', () => {
  it('finds a published crate whose path dependency has no version (Micromegas v0.12 servers)', () => {
    const [blocker, ...rest] = publishBlockers(
      ws(crate('micromegas'), crate('srv', [dep('micromegas', 'normal', null)])),
      'local',
    );
    expect(rest).toEqual([]);
    expect(blocker.message).toBe(
      '/ws/srv/Cargo.toml: `dependencies.micromegas`: srv is published, but this path dependency has no version, so cargo cannot publish it. Add version = "0.12.0" beside path, or make srv publish = false',
    );
  });

  it('finds a published crate depending on a publish = false crate, but not through a path-only dev-dependency', () => {
    const blockers = publishBlockers(
      ws(crate('private', [], []), crate('lib', [dep('private', 'normal', '0.12.0'), dep('private', 'dev', null)])),
      'local',
    );
    expect(blockers.map((b) => b.message)).toEqual([
      '/ws/lib/Cargo.toml: `dependencies.private`: lib is published to `local`, but depends on private, which is publish = false. Make private publishable to `local`, make lib publish = false, or drop the dependency',
    ]);
  });

  it('accepts a workspace that cargo can publish', () => {
    expect(
      publishBlockers(
        ws(
          crate('a'),
          crate('b', [dep('a', 'normal', '0.12.0'), dep('a', 'dev', null)]),
          crate('srv', [dep('b', 'normal', null)], []),
        ),
        'local',
      ),
    ).toEqual([]);
  });
});

describe('rateLimitProblem', () => {
  it("refuses a plan over crates.io's bursts and accepts one within them", () => {
    expect(rateLimitProblem(30, 5, CRATES_IO_RATE_LIMIT, 'crates-io')).toBeUndefined();
    expect(rateLimitProblem(31, 0, CRATES_IO_RATE_LIMIT, 'crates-io')).toMatch(
      /31 new versions \(0 of them new crates\), over the burst `crates-io` allows \(30 versions, 5 new crates\)/,
    );
    expect(rateLimitProblem(11, 11, CRATES_IO_RATE_LIMIT, 'crates-io')).toMatch(/11 of them new crates/);
  });
});

describe('a batch across two Cargo roots (a workspace and a standalone crate beside it)', () => {
  const rust = join(FIXTURES_DIR, 'two-roots', 'rust');
  const roots = () =>
    loadCargoWorkspaces([join(rust, 'Cargo.toml'), join(rust, 'wasm', 'Cargo.toml')], realCargoFiles());
  const tasks = [
    { id: 'derive:publish', crate: 'derive', rootManifest: join(rust, 'Cargo.toml') },
    { id: 'lib:publish', crate: 'lib', rootManifest: join(rust, 'Cargo.toml') },
    { id: 'wasm:publish', crate: 'wasm', rootManifest: join(rust, 'wasm', 'Cargo.toml') },
  ];

  it('finds every task’s crate in its own root', () => {
    const crates = cratesOfTasks(roots(), tasks);
    expect([...crates].map(([id, pkg]) => [id, pkg.name, pkg.manifestPath])).toEqual([
      ['derive:publish', 'derive', join(rust, 'derive', 'Cargo.toml')],
      ['lib:publish', 'lib', join(rust, 'lib', 'Cargo.toml')],
      ['wasm:publish', 'wasm', join(rust, 'wasm', 'Cargo.toml')],
    ]);
    expect(() =>
      cratesOfTasks(roots(), [{ id: 'wasm:publish', crate: 'wasm', rootManifest: join(rust, 'Cargo.toml') }]),
    ).toThrow(/publishes wasm, which is not a package of this Cargo workspace/);
  });

  it('orders the standalone crate after the workspace crates it depends on by path', () => {
    const constraints = publishConstraints(asOneWorkspace(roots()), 'local');
    expect(constraints.get('wasm')).toEqual(['derive', 'lib']);
    const inBatch = new Map(
      ['derive', 'lib', 'wasm'].map((c) => [
        c,
        constraints.get(c)!.filter((d) => ['derive', 'lib', 'wasm'].includes(d)),
      ]),
    );
    expect(publishWaves(inBatch)).toEqual([['derive'], ['lib'], ['wasm']]);
  });
});

describe('blockers of what is being published', () => {
  const rust = join(FIXTURES_DIR, 'two-roots', 'rust');
  const roots = () =>
    loadCargoWorkspaces([join(rust, 'Cargo.toml'), join(rust, 'wasm', 'Cargo.toml')], realCargoFiles());

  it('leaves out crates nobody asked to publish (and that the published ones do not need)', () => {
    expect(publishBlockers(roots(), 'local', ['derive', 'lib', 'wasm'])).toEqual([]);
  });

  it('names [workspace.dependencies] in the root manifest for an inherited path without a version, once', () => {
    const blockers = publishBlockers(roots(), 'local', ['srv', 'app']);
    expect(blockers.map((b) => [b.file, b.key])).toEqual([[join(rust, 'Cargo.toml'), 'workspace.dependencies.app']]);
    expect(blockers[0].message).toBe(
      `${join(rust, 'Cargo.toml')}: \`workspace.dependencies.app\`: srv is published and inherits this path dependency (\`dependencies.app = { workspace = true }\` in ${join(rust, 'srv', 'Cargo.toml')}), which has no version, so cargo cannot publish it. Add version = "0.3.0" beside path here, or make srv publish = false`,
    );
  });

  it('checks what a published crate needs even when it is not in the batch', () => {
    const w = ws(crate('a', [dep('b', 'normal', '0.12.0')]), crate('b', [dep('c', 'normal', null)]), crate('c'));
    expect(publishBlockers(w, 'local', ['a']).map((b) => b.key)).toEqual(['dependencies.c']);
    expect(publishBlockers(w, 'local', ['c'])).toEqual([]);
  });
});
