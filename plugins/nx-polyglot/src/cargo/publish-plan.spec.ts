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
      '/ws/srv/Cargo.toml: `dependencies.micromegas`: srv is published, but this path dependency has no version, so cargo cannot publish it. Add version = "0.12.0" beside path, or set publish = false in /ws/srv/Cargo.toml ([package])',
    );
  });

  it('finds a published crate depending on a publish = false crate, but not through a path-only dev-dependency', () => {
    const blockers = publishBlockers(
      ws(crate('private', [], []), crate('lib', [dep('private', 'normal', '0.12.0'), dep('private', 'dev', null)])),
      'local',
    );
    expect(blockers.map((b) => b.message)).toEqual([
      '/ws/lib/Cargo.toml: `dependencies.private`: lib is published to `local`, but depends on private, which is publish = false. Make private publishable to `local`, set publish = false in /ws/lib/Cargo.toml ([package]), or drop the dependency',
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

  it('names every blocked crate at once, each in its own manifest with both fixes (all seven Micromegas v0.12 servers)', () => {
    const inherits = (name: string): CargoDependency => ({ ...dep(name, 'normal', null), inherited: true });
    const servers = ['flight-sql-srv', 'http-gateway', 'uri-handler'];
    const blockers = publishBlockers(
      ws(
        crate('micromegas'),
        ...servers.map((s) => crate(s, [inherits('micromegas')])),
        crate('cli', [dep('micromegas', 'normal', null)]),
        crate('internal', [inherits('micromegas')], []),
      ),
      'local',
      undefined,
      '/ws',
    );
    expect(blockers.map((b) => [b.file, b.key])).toEqual([
      ...servers.map((s) => [`/ws/${s}/Cargo.toml`, 'dependencies.micromegas']),
      ['/ws/cli/Cargo.toml', 'dependencies.micromegas'],
    ]);
    expect(blockers[1].message).toBe(
      '/ws/http-gateway/Cargo.toml: `dependencies.micromegas`: http-gateway is published, but this dependency inherits `workspace.dependencies.micromegas` of Cargo.toml, a path dependency with no version, so cargo cannot publish it. Add version = "0.12.0" beside path in `workspace.dependencies.micromegas` of Cargo.toml (one edit for all 3 published crates that inherit it), or set publish = false in http-gateway/Cargo.toml ([package])',
    );
    expect(blockers[3].fix).toBe(
      'Add version = "0.12.0" beside path, or set publish = false in cli/Cargo.toml ([package])',
    );
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

  it('names the crate inheriting a path without a version, and the [workspace.dependencies] entry to fix', () => {
    const blockers = publishBlockers(roots(), 'local', ['srv', 'app'], FIXTURES_DIR);
    expect(blockers.map((b) => [b.file, b.key])).toEqual([[join(rust, 'srv', 'Cargo.toml'), 'dependencies.app']]);
    expect(blockers[0].message).toBe(
      `${join(rust, 'srv', 'Cargo.toml')}: \`dependencies.app\`: srv is published, but this dependency inherits \`workspace.dependencies.app\` of two-roots/rust/Cargo.toml, a path dependency with no version, so cargo cannot publish it. Add version = "0.3.0" beside path in \`workspace.dependencies.app\` of two-roots/rust/Cargo.toml, or set publish = false in two-roots/rust/srv/Cargo.toml ([package])`,
    );
  });

  it('checks what a published crate needs even when it is not in the batch', () => {
    const w = ws(crate('a', [dep('b', 'normal', '0.12.0')]), crate('b', [dep('c', 'normal', null)]), crate('c'));
    expect(publishBlockers(w, 'local', ['a']).map((b) => b.key)).toEqual(['dependencies.c']);
    expect(publishBlockers(w, 'local', ['c'])).toEqual([]);
  });
});
