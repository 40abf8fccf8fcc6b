#!/usr/bin/env node
// Benchmark: project-graph creation (`nx show projects`, daemon off) on the
// real repositories of the corpus (tools/corpus/repos.json), each checked out
// under CORPUS_DIR (default /work/corpus; `tools/corpus/README.md` says how):
// Nx with no plugin on the same files (the floor), Nx reading the very same
// projects from project.json files (what Nx itself costs for them), and
// nx-polyglot warm (unchanged manifests, caches in place) and cold (no Nx
// workspace data). Every figure of a row comes from this one run; repositories
// without a checkout are listed as skipped.
//
//   node tools/bench/corpus-graph.mjs [name...] [--reps 3]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const repo = join(import.meta.dirname, '..', '..');
const nxJs = join(repo, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');
const corpusDir = process.env.CORPUS_DIR ?? '/work/corpus';
const { values, positionals } = parseArgs({ options: { reps: { type: 'string', default: '3' } }, allowPositionals: true });
const reps = Number(values.reps);
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
const { repos } = JSON.parse(readFileSync(join(repo, 'tools', 'corpus', 'repos.json'), 'utf8'));

function childCpuSeconds() {
  // getrusage(RUSAGE_CHILDREN) is not exposed by Node; `times` from /proc/self/stat is (utime, stime of waited-for children)
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** Median wall seconds, with the CPU seconds of Nx and its workers (waited-for children) beside it. */
function timed(dir, prepare) {
  const samples = [];
  for (let i = 0; i < reps; i++) {
    prepare?.();
    const cpu0 = childCpuSeconds();
    const start = process.hrtime.bigint();
    execFileSync('node', [nxJs, 'show', 'projects'], { cwd: dir, env, stdio: 'ignore' });
    samples.push({ wall: Number(process.hrtime.bigint() - start) / 1e9, cpu: childCpuSeconds() - cpu0 });
  }
  samples.sort((a, b) => a.wall - b.wall);
  return samples[Math.floor(samples.length / 2)];
}

function writeNxJson(dir, plugins) {
  writeFileSync(join(dir, 'nx.json'), JSON.stringify({ plugins, useDaemonProcess: false }));
}

/** The plugin's projects, as Nx resolved them, written to project.json files (edges as implicit dependencies). */
function writeStaticProjects(dir) {
  execFileSync('node', [nxJs, 'graph', '--file=graph.json'], { cwd: dir, env, stdio: 'ignore' });
  const { graph } = JSON.parse(readFileSync(join(dir, 'graph.json'), 'utf8'));
  let count = 0;
  for (const [name, node] of Object.entries(graph.nodes)) {
    if (!node.data.metadata?.technologies?.some((t) => t === 'cargo' || t === 'python')) continue;
    const { root, targets, namedInputs, tags, projectType, metadata } = node.data;
    const implicitDependencies = graph.dependencies[name].map((d) => d.target);
    writeFileSync(join(dir, root, 'project.json'), JSON.stringify({ name, root, projectType, targets, namedInputs, tags, metadata, implicitDependencies }));
    count++;
  }
  return count;
}

const rows = [];
for (const entry of repos.filter((r) => positionals.length === 0 || positionals.includes(r.name))) {
  const checkout = join(corpusDir, entry.name);
  if (!existsSync(checkout)) {
    rows.push(`| ${entry.name} | skipped: no checkout in ${corpusDir} | | | | | | |`);
    continue;
  }
  const dir = mkdtempSync(join(tmpdir(), `corpus-bench-${entry.name}-`));
  try {
    // a copy of the checkout, so that nothing is written into it
    execFileSync('cp', ['-a', `${checkout}/.`, dir], { stdio: 'ignore' });
    rmSync(join(dir, '.git'), { recursive: true, force: true });
    rmSync(join(dir, '.nx'), { recursive: true, force: true });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(join(repo, 'node_modules', 'nx'), join(dir, 'node_modules', 'nx'));
    symlinkSync(join(repo, 'plugins', 'nx-polyglot'), join(dir, 'node_modules', 'nx-polyglot'));
    const registration = entry.registration ?? { plugin: 'nx-polyglot' };
    const clean = () => rmSync(join(dir, '.nx'), { recursive: true, force: true });

    writeNxJson(dir, []);
    const floor = timed(dir);
    writeNxJson(dir, [registration]);
    clean();
    const cold = timed(dir, clean);
    timed(dir); // warm the caches
    const warm = timed(dir);
    const projects = writeStaticProjects(dir);
    writeNxJson(dir, []);
    timed(dir);
    const staticProjects = timed(dir);
    const f = (m) => `${m.wall.toFixed(2)} s (${m.cpu.toFixed(1)} CPU)`;
    rows.push(
      `| ${entry.name} | ${projects} | ${f(floor)} | ${f(staticProjects)} | ${f(warm)} | ${f(cold)} | ×${(warm.wall / staticProjects.wall).toFixed(2)} | ×${(cold.wall / staticProjects.wall).toFixed(2)} |`,
    );
  } catch (e) {
    rows.push(`| ${entry.name} | failed: ${String(e.message).split('\n')[0].slice(0, 200)} | | | | | | |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log('| repository | projects | Nx, no plugin | same projects as project.json | nx-polyglot warm | nx-polyglot cold | warm / project.json | cold / project.json |');
console.log('|---|---|---|---|---|---|---|---|');
rows.forEach((r) => console.log(r));
