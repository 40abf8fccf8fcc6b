import type { ExecutorContext, TargetConfiguration, TaskGraph } from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// Nx's own option handling: what runs between `nx run` and an executor
import { combineOptionsForExecutor } from 'nx/src/devkit-internals';
import { createOverrides } from 'nx/src/utils/command-line-utils';
import { describe, expect, it, vi } from 'vitest';
import { cargoTargets } from '../cargo/cargo-targets';
import { pythonTargets } from '../python/python-targets';
import cargo, { cargoBatch } from './cargo';
import { unknownConfiguredOptions, unknownOptionsMessage } from './configured-options';
import exec from './exec';

const PLUGIN = join(__dirname, '..', '..');
const executors = JSON.parse(readFileSync(join(PLUGIN, 'executors.json'), 'utf8')).executors as Record<
  string,
  { schema: string }
>;
const schemaOf = (executor: string) =>
  JSON.parse(readFileSync(join(PLUGIN, executors[executor.replace('nx-polyglot:', '')].schema), 'utf8'));

/** The options Nx hands the executor for `target` run with `overrides`, or Nx's error. */
function nxOptions(target: TargetConfiguration, overrides: Record<string, unknown>): Record<string, unknown> {
  return combineOptionsForExecutor(
    structuredClone(overrides) as Parameters<typeof combineOptionsForExecutor>[0],
    '', // no configuration
    structuredClone(target),
    schemaOf(target.executor as string),
    'demo',
    '.',
  ) as Record<string, unknown>;
}

/** Every target the plugin infers: a crate with a binary that publishes, a Python package that publishes. */
const crate = cargoTargets({
  pkg: {
    name: 'server',
    version: '0.1.0',
    manifestPath: '/repo/rust/server/Cargo.toml',
    publish: null,
    dependencies: [],
    include: null,
    exclude: [],
  },
  workspaceManifest: '/repo/rust/Cargo.toml',
  nxRoot: '/repo',
  options: undefined,
  publish: {
    options: {
      registry: 'local',
      replacesCratesIo: true,
      verify: false,
      visibilityTimeout: 60,
      maxParallel: 2,
      rateLimit: { newVersionsBurst: 30, newCratesBurst: 5 },
    },
    after: [],
  },
  runs: 'server',
}).targets;
const python = pythonTargets(
  {
    name: 'app',
    version: '0.1.0',
    versionKeys: [],
    manifestPath: '/repo/python/app/pyproject.toml',
    tool: 'poetry',
    declared: ['pytest', 'black', 'ruff'],
    pathDependencies: [],
    unlocated: [],
    publishable: true,
    unknownDependencies: null,
    maturinManifest: null,
    backendFiles: null,
  },
  'poetry',
  undefined,
  { repository: 'local' },
).targets;
/** The release targets of this repository's package.json. */
const root: Record<string, TargetConfiguration> = {
  'version-check': { executor: 'nx-polyglot:version-check' },
  bump: { executor: 'nx-polyglot:bump' },
  release: { executor: 'nx-polyglot:release-flow', options: { step: 'release', product: 'Micromegas' } },
  rollback: { executor: 'nx-polyglot:release-flow', options: { step: 'rollback' } },
};
/** Every target under one name each: `server:publish`, `app:publish`, `root:bump`. */
const all = Object.entries({ server: crate, app: python, root }).flatMap(([project, targets]) =>
  Object.entries(targets).map(([name, t]) => [`${project}:${name}`, t] as const),
);
/** What `nx release publish` adds for nx-release-publish (nx/src/command-line/release/publish.ts). */
const NX_RELEASE_PUBLISH = {
  registry: 'local',
  tag: 'next',
  otp: '123456',
  access: 'public',
  dryRun: true,
  firstRelease: true,
  nxReleaseVersionData: { server: { currentVersion: '0.1.0', newVersion: '0.2.0', dependentProjects: [] } },
};

// eslint-disable-next-line @typescript-eslint/no-unused-vars
const { registry, ...withoutRegistry } = NX_RELEASE_PUBLISH;

describe('executor options, through Nx', () => {
  const cli = (...args: string[]) => createOverrides(args);
  it.each<[string, TargetConfiguration, Record<string, unknown>]>([
    ...all.map(([name, t]) => [`${name} as inferred`, t, {}] as [string, TargetConfiguration, Record<string, unknown>]),
    ['crate:test -- --nocapture (to the test harness)', crate.test, cli('--nocapture', 'my_filter')],
    ['app:test -- -k slow (to pytest)', python.test, cli('-k', 'slow')],
    ['run-many -t publish --dry-run (the release step)', crate.publish, cli('--dry-run')],
    ['run-many -t publish --dry-run, Python', python.publish, cli('--dry-run')],
    ['run-many -t publish -- --no-verify', crate.publish, cli('--no-verify')],
    ['nx release publish, crate', crate['nx-release-publish'], { ...NX_RELEASE_PUBLISH, ...cli() }],
    ['nx release publish without --registry, Python', python['nx-release-publish'], { ...withoutRegistry, ...cli() }],
    ['run-many -t yank (the rollback step)', crate.yank, cli('--vers=0.12.0', '--undo', '--dry-run')],
    ['bump --to', root.bump, cli('--to=0.13.0')],
    ['bump --bump=patch --dry-run', root.bump, cli('--bump=patch', '--dry-run')],
    ['version-check --expected', root['version-check'], cli('--expected=0.12.0')],
    ['release --step=github-release --vers', root.release, cli('--step=github-release', '--vers=0.12.0')],
    ['rollback --dry-run --vers', root.rollback, cli('--dry-run', '--vers=0.0.1')],
  ])('accepts %s', (_, target, overrides) => {
    expect(() => nxOptions(target, overrides)).not.toThrow();
  });

  it('hands the release options over as given', () => {
    expect(nxOptions(crate.yank, cli('--vers=0.12.0', '--undo', '--dry-run'))).toMatchObject({
      vers: '0.12.0',
      undo: true,
      dryRun: true,
    });
  });

  it('refuses a misspelt --dry-run rather than bumping for real', () => {
    expect(() => nxOptions(root.bump, cli('--dryy-run'))).toThrow("'dryy-run' is not found in schema");
  });

  it('refuses `nx release publish --registry` for a Python package: its repository is `repository`, a name of another namespace', () => {
    expect(() => nxOptions(python['nx-release-publish'], { ...NX_RELEASE_PUBLISH, ...cli() })).toThrow(
      "'registry' is not found in schema",
    );
  });

  it.each(all.filter(([, t]) => !['nx-polyglot:cargo', 'nx-polyglot:exec'].includes(t.executor as string)))(
    'refuses an unknown option of %s, naming it: `--strictt` on the command line or in the configuration',
    (_, target) => {
      expect(() => nxOptions(target, cli('--strictt'))).toThrow("'strictt' is not found in schema");
      expect(() => nxOptions({ ...target, options: { ...target.options, strictt: true } }, {})).toThrow(
        "'strictt' is not found in schema",
      );
    },
  );

  it('cargo and exec refuse an unknown option written in the configuration, and leave the command line to the program', () => {
    for (const [executor, target] of [
      ['cargo', crate.test],
      ['exec', python.test],
    ] as const) {
      expect(unknownConfiguredOptions(executor, target, undefined)).toEqual([]);
      const misspelt = {
        ...target,
        options: { ...target.options, strictt: true },
        configurations: { ci: { arg: [] } },
      };
      expect(unknownConfiguredOptions(executor, misspelt, undefined)).toEqual(['strictt']);
      expect(unknownConfiguredOptions(executor, misspelt, 'ci')).toEqual(['strictt', 'arg']);
    }
    expect(unknownOptionsMessage('cargo', 'server', 'test', ['strictt'])).toBe(
      "server:test: `strictt` is not an option of nx-polyglot:cargo (written in the target's options in project.json, package.json or nx.json targetDefaults). Its options: cwd, command, package, args. Fix the spelling or remove it; arguments for the program go in `args`.\n",
    );
  });

  it('the cargo and exec executors stop before running anything on an option the configuration misspells', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const misspelt = (t: TargetConfiguration) => ({ ...t, options: { ...t.options, strictt: true } });
      const context = (target: TargetConfiguration) =>
        ({
          root: '/nonexistent',
          projectName: 'server',
          targetName: 'test',
          target,
          projectsConfigurations: {
            version: 2,
            projects: { server: { root: 'rust/server', targets: { test: target } } },
          },
        }) as unknown as ExecutorContext;
      expect(await exec(misspelt(python.test).options, context(misspelt(python.test)))).toEqual({ success: false });
      expect(await cargo(misspelt(crate.test).options, context(misspelt(crate.test)))).toEqual({ success: false });
      const task = { id: 'server:test', target: { project: 'server', target: 'test' }, overrides: {} };
      const results = [];
      for await (const r of cargoBatch(
        { tasks: { 'server:test': task } } as unknown as TaskGraph,
        { 'server:test': misspelt(crate.test).options },
        {},
        context(misspelt(crate.test)),
      ))
        results.push([r.task, r.result.success]);
      expect(results).toEqual([['server:test', false]]);
      expect(stderr.mock.calls.map(([text]) => String(text))).toEqual([
        expect.stringMatching(/^server:test: `strictt` is not an option of nx-polyglot:exec/),
        expect.stringMatching(/^server:test: `strictt` is not an option of nx-polyglot:cargo/),
        expect.stringMatching(/^server:test: `strictt` is not an option of nx-polyglot:cargo/),
      ]);
    } finally {
      stderr.mockRestore();
    }
  });
});
