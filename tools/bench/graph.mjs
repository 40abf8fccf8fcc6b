#!/usr/bin/env node
// Benchmark: project-graph creation (`nx show projects --json`) side by side,
// on workspaces from generate-workspace.mjs (a shape measured on real Cargo
// workspaces, plus Python packages and a web app), four columns on the same
// files in one run:
//   floor        Nx with no plugin (it finds only the package.json projects)
//   project.json the projects nx-polyglot infers, with their targets and
//                edges, written as project.json files, no plugin: what Nx
//                itself costs for that many projects
//   nx-polyglot  this repository's plugin (its built dist)
//   monodon      @monodon/rust, the Cargo plugin a user would otherwise pick
//                (installed by install-peers.sh outside the repository; it
//                sees the crates only, not the Python packages)
// States: cold (`.nx` removed, which holds Nx's graph cache and nx-polyglot's
// parse cache), warm (unchanged manifests, caches in place), daemon (a running
// daemon that has built the graph once; per workspace, stopped after).
// Each figure is the median of --reps runs; the runs of all columns are
// interleaved (a rep runs every column before the next rep, the order
// rotating) so that a machine getting busier or quieter moves every column
// alike. Wall seconds beside CPU seconds (user + sys of the whole process tree,
// Nx's plugin workers and cargo included: cpu-time.py; with the daemon, plus
// what the daemon and its workers used during the command, from /proc). Every run's project
// list is checked against the expected count; a column that cannot be measured
// stops the benchmark instead of printing a figure.
// Prints Markdown; every ratio is computed from figures of this one run.
//
//   node tools/bench/graph.mjs [--sizes 50,500,2000 | --quick] [--reps 3] [--seed 1]
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generate, realised } from './generate-workspace.mjs';

const repo = join(import.meta.dirname, '..', '..');
const cpuTime = join(import.meta.dirname, 'cpu-time.py');
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '50,500,2000' },
    quick: { type: 'boolean', default: false },
    reps: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
  },
});
const sizes = (values.quick ? '50,500' : values.sizes).split(',').map(Number);
const reps = Number(values.reps);
const seed = Number(values.seed);
if (sizes.some((n) => !Number.isInteger(n) || n < 2) || !(reps >= 1))
  throw new Error('usage: graph.mjs [--sizes 50,500,2000 | --quick] [--reps N] [--seed N]');
const python = 4;

// NX_USE_LOCAL: a new daemon otherwise fetches nx@latest from the npm registry
// (for its Nx Console and AI-agent checks), network and CPU in the daemon's columns.
const baseEnv = { ...process.env, NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_USE_LOCAL: 'true' };
delete baseEnv.CI; // Nx turns the daemon off in CI
const daemonOff = { ...baseEnv, NX_DAEMON: 'false' };
const daemonOn = { ...baseEnv, NX_DAEMON: 'true' };

const peers = execFileSync('bash', [join(import.meta.dirname, 'install-peers.sh')], { encoding: 'utf8' }).trim();
const modules = { repo: join(repo, 'node_modules'), peers: join(peers, 'node_modules') };
const nxVersion = (dir) => JSON.parse(readFileSync(join(dir, 'nx', 'package.json'), 'utf8')).version;
if (nxVersion(modules.repo) !== nxVersion(modules.peers)) {
  throw new Error(
    `Nx ${nxVersion(modules.peers)} in ${modules.peers} is not the repository's Nx ${nxVersion(modules.repo)}: change tools/bench/peers/package.json`,
  );
}
if (!existsSync(join(modules.repo, 'nx-polyglot', 'dist', 'index.js'))) {
  throw new Error(
    'nx-polyglot is not built: run `npx tsc -p tsconfig.lib.json` in plugins/nx-polyglot (tools/setup.sh does)',
  );
}

const columns = [
  { key: 'floor', title: 'no plugin (floor)', modules: modules.repo, plugins: [] },
  { key: 'static', title: 'project.json', modules: modules.repo, plugins: [] },
  { key: 'polyglot', title: 'nx-polyglot', modules: modules.repo, plugins: ['nx-polyglot'] },
  { key: 'monodon', title: '@monodon/rust', modules: modules.peers, plugins: ['@monodon/rust'] },
];

// The interpreter itself, not a pyenv shim: a shim changes PATH and PYENV_* for
// the command, and a daemon started without them rebuilds its graph on the first
// client whose environment differs.
const python3 = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** CPU seconds used so far by the Nx daemon of dir and its live descendants (its plugin workers), from /proc. */
function daemonCpu(dir, label) {
  const file = join(dir, '.nx', 'workspace-data', 'd', 'server-process.json');
  if (!existsSync(file)) throw new Error(`${label}: no Nx daemon is running in ${dir} (${file} is missing)`);
  const daemon = JSON.parse(readFileSync(file, 'utf8')).processId;
  const stats = new Map();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      // Fields after the command name: state ppid ... utime(14) stime(15) cutime(16) cstime(17).
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop().split(' ');
      stats.set(Number(pid), {
        ppid: Number(fields[1]),
        own: Number(fields[11]) + Number(fields[12]),
        reaped: Number(fields[13]) + Number(fields[14]),
      });
    } catch {} // the process ended meanwhile
  }
  if (!stats.has(daemon)) throw new Error(`${label}: the Nx daemon of ${dir} (pid ${daemon}) is not running`);
  const inTree = (pid) => {
    for (let p = pid; p > 1; p = stats.get(p)?.ppid ?? 0) if (p === daemon) return true;
    return false;
  };
  let ticks = stats.get(daemon).reaped;
  for (const [pid, stat] of stats) if (inTree(pid)) ticks += stat.own;
  return ticks / clockTicks;
}

const daemonLog = (dir) => join(dir, '.nx', 'workspace-data', 'd', 'daemon.log');
/** How often the daemon of dir has rebuilt its graph so far, by its log ("recompute necessary", "Recomputing it", "recomputing project graph"). */
const rebuilds = (dir) => (readFileSync(daemonLog(dir), 'utf8').match(/recomput/gi) ?? []).length;

/** One `nx show projects --json` in dir: wall and CPU seconds, after checking Nx listed the expected projects. */
function measure(column, dir, expected, env, label) {
  const log = join(dir, '..', `${column.key}.log`);
  let out;
  try {
    out = execFileSync(
      python3,
      [cpuTime, log, '--', 'node', join(dir, 'node_modules', '.bin', 'nx'), 'show', 'projects', '--json'],
      {
        cwd: dir,
        env,
        encoding: 'utf8',
      },
    );
  } catch (error) {
    const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
    throw new Error(`${column.title} ${label}: nx show projects failed (${error.message.split('\n')[0]})\n${tail}`);
  }
  let listed;
  try {
    listed = JSON.parse(readFileSync(log, 'utf8')).length;
  } catch {
    throw new Error(
      `${column.title} ${label}: nx show projects --json did not print a JSON list:\n${readFileSync(log, 'utf8').slice(0, 2000)}`,
    );
  }
  if (listed !== expected)
    throw new Error(`${column.title} ${label}: Nx listed ${listed} projects, expected ${expected} (${log})`);
  const { wall, user, sys } = JSON.parse(out);
  return { wall, cpu: user + sys };
}

/** measure() against the running daemon, its CPU during the command added to the client's. */
function measureWithDaemon(column, dir, expected, label) {
  const before = daemonCpu(dir, `${column.title} ${label}`);
  const rebuilt = rebuilds(dir);
  const client = measure(column, dir, expected, daemonOn, label);
  const cpu = client.cpu + daemonCpu(dir, `${column.title} ${label}`) - before;
  if (rebuilds(dir) !== rebuilt) {
    throw new Error(
      `${column.title} ${label}: the daemon rebuilt its graph though no file changed (${daemonLog(dir)})`,
    );
  }
  return { wall: client.wall, cpu };
}

/** The projects nx-polyglot infers, as Nx resolved them, written as project.json files into target (edges as implicit dependencies). */
function writeStaticProjects(from, target) {
  execFileSync('node', [join(from, 'node_modules', '.bin', 'nx'), 'graph', '--file=graph.json'], {
    cwd: from,
    env: daemonOff,
    stdio: 'ignore',
  });
  const { graph } = JSON.parse(readFileSync(join(from, 'graph.json'), 'utf8'));
  rmSync(join(from, 'graph.json'));
  for (const [name, node] of Object.entries(graph.nodes)) {
    const { root, targets, namedInputs, tags } = node.data;
    const implicitDependencies = graph.dependencies[name].map((d) => d.target).filter((t) => graph.nodes[t]);
    mkdirSync(join(target, root), { recursive: true });
    writeFileSync(
      join(target, root, 'project.json'),
      JSON.stringify({ name, root, targets, namedInputs, tags, implicitDependencies }),
    );
  }
  return Object.keys(graph.nodes).length;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rotate = (xs, k) => xs.map((_, i) => xs[(i + k) % xs.length]);
const started = process.hrtime.bigint();
const results = [];
const shapes = [];

for (const size of sizes) {
  const base = mkdtempSync(join(tmpdir(), `nx-polyglot-bench-${size}-`));
  const running = [];
  try {
    const crates = generate(join(base, 'source'), size, { seed, python });
    // A real workspace commits its Cargo.lock; without it monodon's `cargo metadata` would resolve first.
    execFileSync('cargo', ['generate-lockfile', '--offline'], { cwd: join(base, 'source'), stdio: 'ignore' });
    const dirs = {};
    for (const column of columns) {
      const dir = join(base, column.key);
      cpSync(join(base, 'source'), dir, { recursive: true });
      symlinkSync(column.modules, join(dir, 'node_modules'));
      writeFileSync(join(dir, 'nx.json'), `${JSON.stringify({ plugins: column.plugins })}\n`);
      dirs[column.key] = dir;
    }
    const floorProjects = JSON.parse(
      execFileSync('node', [join(dirs.floor, 'node_modules', '.bin', 'nx'), 'show', 'projects', '--json'], {
        cwd: dirs.floor,
        env: daemonOff,
        encoding: 'utf8',
      }),
    ).length;
    const expected = { floor: floorProjects, polyglot: floorProjects + size + python, monodon: floorProjects + size };
    expected.static = writeStaticProjects(dirs.polyglot, dirs.static);
    if (expected.static !== expected.polyglot)
      throw new Error(
        `nx-polyglot at ${size} crates: Nx's graph has ${expected.static} projects, expected ${expected.polyglot}`,
      );
    shapes.push({ size, projects: expected, ...realised(crates) });

    const runs = Object.fromEntries(columns.map((c) => [c.key, { cold: [], warm: [], daemon: [] }]));
    for (let rep = 0; rep < reps; rep++) {
      for (const column of rotate(columns, rep)) {
        const dir = dirs[column.key];
        rmSync(join(dir, '.nx'), { recursive: true, force: true });
        runs[column.key].cold.push(measure(column, dir, expected[column.key], daemonOff, `cold at ${size} crates`));
        runs[column.key].warm.push(measure(column, dir, expected[column.key], daemonOff, `warm at ${size} crates`));
      }
    }
    // Daemon: one per workspace, started by a first graph and settled by a second (neither timed), stopped in `finally`.
    for (const column of columns) {
      for (let i = 0; i < 2; i++) {
        execFileSync('node', [join(dirs[column.key], 'node_modules', '.bin', 'nx'), 'show', 'projects'], {
          cwd: dirs[column.key],
          env: daemonOn,
          stdio: 'ignore',
        });
        if (i === 0) running.push(column);
      }
    }
    for (let rep = 0; rep < reps; rep++) {
      for (const column of rotate(columns, rep)) {
        runs[column.key].daemon.push(
          measureWithDaemon(column, dirs[column.key], expected[column.key], `with the daemon at ${size} crates`),
        );
      }
    }
    for (const state of ['cold', 'warm', 'daemon']) {
      const row = { size, state };
      for (const column of columns) {
        const xs = runs[column.key][state];
        row[column.key] = { wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)) };
      }
      results.push(row);
    }
  } finally {
    for (const column of running) {
      try {
        execFileSync('node', [join(base, column.key, 'node_modules', '.bin', 'nx'), 'daemon', '--stop'], {
          cwd: join(base, column.key),
          env: daemonOn,
          stdio: 'ignore',
        });
      } catch (error) {
        console.error(`could not stop the Nx daemon of ${join(base, column.key)}: ${error.message}`);
      }
    }
    rmSync(base, { recursive: true, force: true });
  }
}

const s = (x) => x.toFixed(2);
const cell = ({ wall, cpu }) => `${s(wall)} (${s(cpu)})`;
const stateTitle = { cold: 'cold', warm: 'warm', daemon: 'daemon' };
console.log(
  `Workspaces: N crates (${shapes.map((x) => `${x.size}: ${x.internalDependenciesPerCrate.toFixed(2)} internal dependencies per crate, ${Math.round(100 * x.shareWithInternalDevDependency)} % with a dev-dependency`).join('; ')}), ${python} Python packages, 1 web app. ` +
    `Projects listed: ${shapes.map((x) => `${x.size}: floor ${x.projects.floor}, project.json and nx-polyglot ${x.projects.polyglot}, monodon ${x.projects.monodon}`).join('; ')}. ` +
    `Median of ${reps}, wall s (CPU s of the process tree; with the daemon, the client's and the daemon's during the command).`,
);
console.log();
console.log(
  `| crates | state | ${columns.map((c) => `${c.title} s`).join(' | ')} | nx-polyglot / monodon wall | nx-polyglot / monodon CPU | nx-polyglot − floor wall s | nx-polyglot − project.json wall s |`,
);
console.log(`|---|---|${columns.map(() => '---|').join('')}---|---|---|---|`);
for (const r of results) {
  console.log(
    `| ${r.size} | ${stateTitle[r.state]} | ${columns.map((c) => cell(r[c.key])).join(' | ')} | ${s(r.polyglot.wall / r.monodon.wall)} | ${s(r.polyglot.cpu / r.monodon.cpu)} | ${s(r.polyglot.wall - r.floor.wall)} | ${s(r.polyglot.wall - r.static.wall)} |`,
  );
}
console.log();
console.log(`(graph benchmark: ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(0)} s)`);
