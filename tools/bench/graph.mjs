#!/usr/bin/env node
// Benchmark: project-graph creation (`nx show projects`, daemon off) on
// generated workspaces of 50, 500 and 2000 crates plus a few Poetry packages,
// against Nx with no plugin on the same files (the floor), against Nx reading
// the very same projects from project.json files (what Nx itself costs per
// project, so "warm - static" is the plugin's own share) and against
// `cargo metadata --no-deps`. Cold = no Nx workspace data (no plugin cache,
// no graph cache); warm = unchanged manifests, caches in place. The daemon
// columns are what a developer sees: the daemon keeps the graph between
// commands and recomputes it only when files change.
// Prints a Markdown table; every ratio comes from figures of this one run.
//
//   node tools/bench/graph.mjs [--sizes 50,500,2000] [--reps 3]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generate } from './generate-workspace.mjs';

const repo = join(import.meta.dirname, '..', '..');
const nxBin = join(repo, 'node_modules', '.bin', 'nx');
const { values } = parseArgs({ options: { sizes: { type: 'string', default: '50,500,2000' }, reps: { type: 'string', default: '3' } } });
const reps = Number(values.reps);
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };

/** Median wall time in seconds of `reps` runs of file+args in cwd, each after prepare(). */
function median(cwd, file, args, prepare = () => {}, runEnv = env) {
  const times = [];
  for (let i = 0; i < reps; i++) {
    prepare();
    const start = process.hrtime.bigint();
    execFileSync(file, args, { cwd, env: runEnv, stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const showProjects = [nxBin, 'show', 'projects'];

/** Warm `nx show projects` with the daemon: started and warmed by a first run, stopped after. */
function withDaemon(dir) {
  const daemonEnv = { ...env, NX_DAEMON: 'true' };
  execFileSync('node', showProjects, { cwd: dir, env: daemonEnv, stdio: 'ignore' });
  try {
    return median(dir, 'node', showProjects, () => {}, daemonEnv);
  } finally {
    execFileSync('node', [nxBin, 'daemon', '--stop'], { cwd: dir, env: daemonEnv, stdio: 'ignore' });
  }
}
/** The plugin's projects, as Nx resolved them, written to project.json files (edges as implicit dependencies). */
function writeStaticProjects(dir) {
  execFileSync('node', [nxBin, 'graph', '--file=graph.json'], { cwd: dir, env, stdio: 'ignore' });
  const { graph } = JSON.parse(readFileSync(join(dir, 'graph.json'), 'utf8'));
  const written = [];
  for (const [name, node] of Object.entries(graph.nodes)) {
    const { root, targets, namedInputs, tags } = node.data;
    const implicitDependencies = graph.dependencies[name].map((d) => d.target);
    writeFileSync(join(dir, root, 'project.json'), JSON.stringify({ name, root, targets, namedInputs, tags, implicitDependencies }));
    written.push(join(root, 'project.json'));
  }
  return written;
}

const rows = [];
for (const size of values.sizes.split(',').map(Number)) {
  const dir = mkdtempSync(join(tmpdir(), `nx-polyglot-bench-${size}-`));
  try {
    generate(dir, size);
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
    const projects = execFileSync('node', [nxBin, 'show', 'projects', '--json'], { cwd: dir, env, encoding: 'utf8' });
    const count = JSON.parse(projects).length;
    if (count !== size + 3) throw new Error(`expected ${size + 3} projects, Nx found ${count}`);
    const resetNx = () => rmSync(join(dir, '.nx'), { recursive: true, force: true });

    const cold = median(dir, 'node', showProjects, resetNx);
    median(dir, 'node', showProjects); // leave the caches warm
    const warm = median(dir, 'node', showProjects);
    const daemon = withDaemon(dir);
    const cargo = median(join(dir, 'rust'), 'cargo', ['metadata', '--no-deps', '--format-version', '1', '--offline']);
    const projectFiles = writeStaticProjects(dir);
    writeFileSync(join(dir, 'nx.json'), '{}\n');
    resetNx();
    median(dir, 'node', showProjects);
    const staticProjects = median(dir, 'node', showProjects);
    for (const file of projectFiles) rmSync(join(dir, file));
    resetNx();
    const floor = median(dir, 'node', showProjects);
    const floorDaemon = withDaemon(dir);
    rows.push({ size, floor, staticProjects, cold, warm, cargo, daemon, floorDaemon });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const s = (x) => x.toFixed(2);
console.log(
  '| crates (+3 Python) | no plugin (floor) s | same projects as project.json s | nx-polyglot cold s | nx-polyglot warm s | cargo metadata --no-deps s | warm / floor | warm / project.json | warm / cargo | plugin share (warm − project.json) per crate, ms | daemon: floor s | daemon: nx-polyglot warm s |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.size} | ${s(r.floor)} | ${s(r.staticProjects)} | ${s(r.cold)} | ${s(r.warm)} | ${s(r.cargo)} | ${s(r.warm / r.floor)} | ${s(r.warm / r.staticProjects)} | ${s(r.warm / r.cargo)} | ${((1000 * (r.warm - r.staticProjects)) / r.size).toFixed(2)} | ${s(r.floorDaemon)} | ${s(r.daemon)} |`,
  );
}
