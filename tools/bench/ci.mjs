#!/usr/bin/env node
// Benchmark: the CI check of this repository through Nx, on a temporary copy
// (the work tree is never touched):
//  - a fully cached `nx run-many -t test lint format`;
//  - `nx affected -t test lint format` after a one-line change in a leaf crate
//    (http-gateway) and in micromegas-transit (the core crate): tasks selected
//    and wall time, against the full uncached run;
//  - a cold full CI (no cargo target directory, no Nx cache) through Nx against
//    the seed's scripts run one after another: cargo fmt --check, cargo clippy
//    --workspace -- -D warnings, cargo test, pytest, black, then the web app's
//    lint, type-check and build. Same work on both sides: our lint targets
//    run clippy with --all-targets (tests and examples too) and ruff, so the
//    seed side gets --all-targets and ruff as well.
// Prints Markdown tables; every ratio comes from figures of this one run.
//
//   node tools/bench/ci.mjs [--reps 3]
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const repo = join(import.meta.dirname, '..', '..');
const nxBin = join(repo, 'node_modules', '.bin', 'nx');
const reps = Number(parseArgs({ options: { reps: { type: 'string', default: '3' } } }).values.reps);

/** A copy of the repository's files (tracked and new), sharing node_modules, as a fresh git repository. */
function copyRepository() {
  const copy = mkdtempSync(join(tmpdir(), 'nx-polyglot-bench-ci-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo, encoding: 'utf8' });
  for (const file of files.split('\0').filter((f) => f && existsSync(join(repo, f)))) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(repo, file), join(copy, file));
  }
  for (const shared of ['node_modules', 'analytics-web-app/node_modules', 'plugins/nx-polyglot/node_modules', 'plugins/nx-polyglot/dist']) {
    symlinkSync(join(repo, shared), join(copy, shared));
  }
  const git = (...args) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', ...args], { cwd: copy, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'copy');
  execFileSync('python3', ['tools/python-env.py', 'python/micromegas'], { cwd: copy, stdio: 'ignore' });
  return copy;
}

const copy = copyRepository();
const cacheDir = join(copy, '.nx', 'cache');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_CACHE_DIRECTORY: cacheDir };
const run = (file, args, cwd = copy) => execFileSync(file, args, { cwd, env, stdio: 'ignore' });
const nx = (...args) => run('node', [nxBin, ...args]);

/** Wall seconds of fn(). */
function seconds(fn) {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}
function median(fn, prepare = () => {}) {
  const times = Array.from({ length: reps }, () => (prepare(), seconds(fn))).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
/** Tasks of Nx's last run and how many of them ran (cache misses). */
function lastRun() {
  const { tasks } = JSON.parse(readFileSync(join(cacheDir, 'run.json'), 'utf8'));
  return { tasks: tasks.length, ran: tasks.filter((t) => t.cacheStatus === 'cache-miss').length };
}

const CHECKS = ['-t', 'test', 'lint', 'format', '--exclude=nx-polyglot'];
const s = (x) => x.toFixed(2);
try {
  nx('run-many', ...CHECKS); // warm cargo's target directory and every tool, fill the cache
  const full = median(() => nx('run-many', ...CHECKS, '--skip-nx-cache'));
  const fullRun = lastRun();
  nx('run-many', ...CHECKS); // the cache now holds every result of this tree
  const cached = median(() => nx('run-many', ...CHECKS));
  const cachedRun = lastRun();

  const affected = [];
  for (const [label, file] of [
    ['leaf crate (http-gateway)', 'rust/http-gateway/src/main.rs'],
    ['core crate (micromegas-transit)', 'rust/transit/src/lib.rs'],
  ]) {
    const original = readFileSync(join(copy, file));
    let n = 0;
    // a different line each time: every repetition is a change Nx has not cached
    const time = median(
      () => nx('affected', ...CHECKS, '--base=HEAD'),
      () => appendFileSync(join(copy, file), `// benchmark change ${++n}\n`),
    );
    affected.push({ label, time, ...lastRun() });
    execFileSync('git', ['checkout', '--', file], { cwd: copy });
    if (!readFileSync(join(copy, file)).equals(original)) throw new Error(`${file} was not restored`);
  }

  console.log('| scenario | tasks | tasks run | median s | vs full uncached run |');
  console.log('|---|---|---|---|---|');
  console.log(`| nx run-many -t test lint format, uncached (warm cargo) | ${fullRun.tasks} | ${fullRun.ran} | ${s(full)} | 1.00 |`);
  console.log(`| nx run-many -t test lint format, all cached | ${cachedRun.tasks} | ${cachedRun.ran} | ${s(cached)} | ${s(cached / full)} |`);
  for (const a of affected) console.log(`| nx affected -t test lint format, one line in a ${a.label} | ${a.tasks} | ${a.ran} | ${s(a.time)} | ${s(a.time / full)} |`);

  // cold: no target directory, no Nx cache, no web build output
  const cold = () => {
    run('cargo', ['clean'], join(copy, 'rust'));
    rmSync(join(copy, 'analytics-web-app', 'dist'), { recursive: true, force: true });
  };
  const seed = seconds(() => {
    cold();
    const rust = join(copy, 'rust');
    run('cargo', ['fmt', '--all', '--check'], rust);
    run('cargo', ['clippy', '--workspace', '--all-targets', '--', '-D', 'warnings'], rust);
    run('cargo', ['test', '--workspace'], rust);
    const py = join(copy, 'python', 'micromegas');
    run('poetry', ['run', 'pytest'], py);
    run('poetry', ['run', 'black', '--check', '.'], py);
    run('poetry', ['run', 'ruff', 'check', '.'], py);
    for (const script of ['lint', 'type-check', 'build']) run('npm', ['run', script, '-w', 'analytics-web-app']);
  });
  const throughNx = seconds(() => {
    cold();
    nx('run-many', '-t', 'format', 'lint', 'test', '--projects=tag:lang:rust,tag:lang:python', '--skip-nx-cache');
    nx('run-many', '-t', 'lint', 'type-check', 'build', '--projects=analytics-web-app', '--skip-nx-cache');
  });
  console.log('');
  console.log('| cold full CI (no target dir, no cache) | s | ratio |');
  console.log('|---|---|---|');
  console.log(`| seed scripts, one after another | ${s(seed)} | 1.00 |`);
  console.log(`| through Nx (same checks) | ${s(throughNx)} | ${s(throughNx / seed)} |`);
} finally {
  rmSync(copy, { recursive: true, force: true });
}
