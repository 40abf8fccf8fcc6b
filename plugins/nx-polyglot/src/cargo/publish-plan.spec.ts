import { describe, expect, it } from 'vitest';
import type { CargoDependency, CargoPackage, CargoWorkspace } from './cargo-workspace';
import {
  CRATES_IO_RATE_LIMIT,
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
