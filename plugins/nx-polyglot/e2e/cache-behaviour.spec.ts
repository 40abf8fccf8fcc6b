import { execa } from 'execa';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cargoMetadata, pathDependencies } from './cargo-metadata';
import { copyRepository, executed, removeCopy, runNx } from './repo-copy';

const CHECKS = ['test', 'lint', 'format'];

/** Crate -> crates it depends on (any kind), straight from `cargo metadata`. */
async function cargoDependencies(rustDir: string): Promise<Map<string, string[]>> {
  const paths = pathDependencies(await cargoMetadata(rustDir));
  return new Map([...paths].map(([name, deps]) => [name, deps.map((d) => d.name)]));
}

/** `crate` and every crate that depends on it, directly or not. */
function dependentsOf(crate: string, deps: Map<string, string[]>): string[] {
  const found = new Set([crate]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [name, on] of deps) {
      if (!found.has(name) && on.some((d) => found.has(d))) {
        found.add(name);
        grew = true;
      }
    }
  }
  return [...found];
}

describe('caching of `nx run-many -t test lint format` on a copy of this repository', () => {
  let copy: string;
  let crates: Map<string, string[]>;
  let projects: { rust: string[]; python: string[]; web: string[] };
  const runAll = () => runNx(copy, ['run-many', '-t', ...CHECKS, '--exclude=nx-polyglot']);
  const tasksOf = (names: string[], targets = CHECKS) => names.flatMap((p) => targets.map((t) => `${p}:${t}`)).sort();

  beforeAll(async () => {
    copy = await copyRepository('nx-polyglot-cache-');
    await execa('python3', ['tools/python-env.py', 'python/micromegas'], { cwd: copy });
    crates = await cargoDependencies(join(copy, 'rust'));
    const show = async (tag: string) =>
      JSON.parse(
        (
          await execa('npx', ['nx', 'show', 'projects', '--json', `--projects=${tag}`], {
            cwd: copy,
            env: { NX_DAEMON: 'false' },
          })
        ).stdout,
      ).sort();
    projects = { rust: await show('tag:lang:rust'), python: await show('tag:lang:python'), web: ['analytics-web-app'] };
  });
  afterAll(() => removeCopy(copy));

  it('`nx graph` holds every crate, the Python package and the web app, with the edges cargo metadata reports', async () => {
    await execa('npx', ['nx', 'graph', '--file=.nx/graph.json'], { cwd: copy, env: { NX_DAEMON: 'false' } });
    const graph = JSON.parse(readFileSync(join(copy, '.nx', 'graph.json'), 'utf8')).graph;
    const nxName = (crate: string) => (projects.rust.includes(crate) ? crate : `rust-${crate}`);
    expect(Object.keys(graph.nodes).sort()).toEqual(
      [
        ...[...crates.keys()].map(nxName),
        'python-micromegas',
        'analytics-web-app',
        'nx-polyglot',
        'micromegas-monorepo',
      ].sort(),
    );
    for (const [crate, deps] of crates) {
      const edges = graph.dependencies[nxName(crate)]
        .map((d: { target: string; type: string }) => `${d.target}:${d.type}`)
        .sort();
      expect(edges, crate).toEqual([...new Set(deps)].map((d) => `${nxName(d)}:static`).sort());
    }
  });

  it('runs every check of every crate, the Python package and the web app, then replays them all from the cache', async () => {
    expect(projects.rust).toHaveLength(crates.size);
    const first = await runAll();
    expect([...first.keys()].sort()).toEqual(tasksOf([...projects.rust, ...projects.python, ...projects.web]));
    const second = await runAll();
    expect(executed(second)).toEqual([]);
  });

  it('re-runs exactly micromegas-transit and its dependents (dev-dependencies included) after a transit source edit', async () => {
    appendFileSync(join(copy, 'rust/transit/src/lib.rs'), '\n// edited by the cache test\n');
    const affected = dependentsOf('micromegas-transit', crates).map((c) =>
      projects.rust.includes(c) ? c : `rust-${c}`,
    );
    expect(affected.length).toBeGreaterThan(5);
    expect(executed(await runAll())).toEqual(
      // rustfmt reads only the crate's own files: only transit's format check is stale
      [...tasksOf(affected, ['test', 'lint']), 'micromegas-transit:format'].sort(),
    );
  });

  it('re-runs every compiling Rust task and nothing else after a Cargo.lock edit', async () => {
    const lock = join(copy, 'rust/Cargo.lock');
    const original = readFileSync(lock, 'utf8');
    writeFileSync(lock, original.replace('version = 4', 'version = 4\n'));
    expect(executed(await runAll())).toEqual(tasksOf(projects.rust, ['test', 'lint']));
    writeFileSync(lock, original);
    expect(executed(await runAll())).toEqual([]);
  });

  it('re-runs only the Python package after a Python edit', async () => {
    appendFileSync(join(copy, 'python/micromegas/micromegas/__init__.py'), '\n# edited by the cache test\n');
    expect(executed(await runAll())).toEqual(tasksOf(projects.python));
  });

  it('re-runs only the web app after a web edit', async () => {
    appendFileSync(join(copy, 'analytics-web-app/src/main.tsx'), '\n// edited by the cache test\n');
    expect(executed(await runAll())).toEqual(tasksOf(projects.web));
  });

  it.each([
    [
      'rust/transit/src/lib.rs',
      (p: typeof projects, affected: string[]) =>
        [...tasksOf(affected, ['test', 'lint']), 'micromegas-transit:format'].sort(),
    ],
    ['rust/Cargo.lock', (p: typeof projects) => tasksOf(p.rust, ['test', 'lint'])],
    ['python/micromegas/micromegas/__init__.py', (p: typeof projects) => tasksOf(p.python)],
  ])('`nx affected` selects exactly the tasks a change to %s reaches', async (file, expected) => {
    const affected = dependentsOf('micromegas-transit', crates).map((c) =>
      projects.rust.includes(c) ? c : `rust-${c}`,
    );
    const selected = await runNx(copy, ['affected', '-t', ...CHECKS, '--exclude=nx-polyglot', `--files=${file}`]);
    expect([...selected.keys()].sort()).toEqual(expected(projects, affected));
  });
});
