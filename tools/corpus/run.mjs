#!/usr/bin/env node
// The real-repository corpus: runs nx-polyglot (through `nx graph`) on checkouts of public
// monorepos and compares its projects and edges with what cargo / uv.lock / poetry-core say.
//
//   node tools/corpus/run.mjs [--build] [name...]
//
// CORPUS_DIR (default /work/corpus) holds one checkout per repos.json entry, named like it.
// PYTHON (default /tmp/corpus-venv/bin/python) must have poetry-core and packaging.
// CORPUS_PLUGIN: the plugin directory to link (default plugins/nx-polyglot of this repository).
// Writes /tmp/corpus-report.json (CORPUS_REPORT overrides) and prints a markdown table.
// See README.md for how the ground truth is derived.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = resolve(here, '../..');
const NX_BIN = join(MAIN, 'node_modules/.bin/nx');
const CORPUS_DIR = process.env.CORPUS_DIR ?? '/work/corpus';
const PYTHON = process.env.PYTHON ?? '/tmp/corpus-venv/bin/python';
const REPORT = process.env.CORPUS_REPORT ?? '/tmp/corpus-report.json';
const GRAPHS = process.env.CORPUS_GRAPHS ?? '/tmp/corpus-graphs'; // each repo's graph.json, for inspection
const NX_TIMEOUT_MS = Number(process.env.CORPUS_NX_TIMEOUT ?? 900) * 1000;
// Nx's own glob matcher for plugin include/exclude (minimatch, dot: true)
const { Minimatch } = createRequire(join(MAIN, 'node_modules/nx/package.json'))('minimatch');

const NX_ENV = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0', NX_VERBOSE_LOGGING: 'false' };
// links made in <checkout>/node_modules so that `nx` and the plugin resolve without installing
const LINKS = {
  nx: join(MAIN, 'node_modules/nx'),
  '@nx': join(MAIN, 'node_modules/@nx'),
  // CORPUS_PLUGIN: another built copy of the plugin (e.g. an older commit, for a baseline)
  'nx-polyglot': process.env.CORPUS_PLUGIN ?? join(MAIN, 'plugins/nx-polyglot'),
};

const args = process.argv.slice(2);
const build = args.includes('--build');
const wanted = args.filter((a) => !a.startsWith('--'));
const repos = JSON.parse(readFileSync(join(here, 'repos.json'), 'utf8')).repos;
const selected = wanted.length ? repos.filter((r) => wanted.includes(r.name)) : repos;
for (const w of wanted) if (!repos.some((r) => r.name === w)) throw new Error(`no repo named ${w} in repos.json`);

if (build) {
  const b = spawnSync('npm', ['run', 'build', '-w', 'nx-polyglot'], { cwd: MAIN, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`plugin build failed:\n${b.stdout}\n${b.stderr}`);
}

const pluginCommit = sh('git', ['-C', MAIN, 'log', '-1', '--format=%h'], MAIN).stdout.trim();
const pluginDirty = sh('git', ['-C', MAIN, 'status', '--porcelain', '--', 'plugins/nx-polyglot/src'], MAIN).stdout.trim() !== '';
const results = [];
let cleanupCurrent = () => {};
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanupCurrent(); process.exit(130); });

for (const repo of selected) {
  const started = Date.now();
  process.stderr.write(`== ${repo.name} (${repo.github}@${repo.commit.slice(0, 10)})\n`);
  const r = runRepo(repo);
  r.seconds = (Date.now() - started) / 1000;
  results.push(r);
  process.stderr.write(`   ${summaryLine(r)}\n`);
}

const report = { generated: new Date().toISOString(), plugin: { dir: LINKS['nx-polyglot'], commit: pluginCommit, dirtySrc: pluginDirty }, results };
writeFileSync(REPORT, JSON.stringify(report, null, 1));
console.log(table(results));
console.log(`\nfull report: ${REPORT}`);

// ---------------------------------------------------------------------------------------

function runRepo(repo) {
  const dir = join(CORPUS_DIR, repo.checkout ?? repo.name);
  const result = { name: repo.name, github: repo.github, commit: repo.commit };
  if (!existsSync(join(dir, '.git'))) return { ...result, error: `no checkout at ${dir}` };
  const head = sh('git', ['rev-parse', 'HEAD'], dir).stdout.trim();
  if (head !== repo.commit) return { ...result, error: `checkout is at ${head}, repos.json says ${repo.commit}` };

  const registration = repo.registration ?? { plugin: 'nx-polyglot' };
  const excludes = (registration.exclude ?? []).map((p) => new Minimatch(p, { dot: true }));
  const includes = (registration.include ?? []).map((p) => new Minimatch(p, { dot: true }));
  const inScope = (f) => (includes.length === 0 || includes.some((m) => m.match(f))) && !excludes.some((m) => m.match(f));
  const tracked = sh('git', ['ls-files', '-z'], dir).stdout.split('\0').filter(Boolean);
  const named = (n) => tracked.filter((f) => f === n || f.endsWith(`/${n}`));

  const truth = { cargo: cargoTruth(dir, named('Cargo.toml'), inScope), python: pythonTruth(dir, named('pyproject.toml').filter(inScope), named('uv.lock').filter(inScope)) };
  const nx = runNx(dir, repo, registration);
  return { ...result, ...compare(truth, nx), registration };
}

// ---- ground truth: Cargo --------------------------------------------------------------

function cargoTruth(dir, manifests, inScope) {
  const covered = new Set();
  const packages = new Map(); // root -> { name, manifest, deps }
  const workspaces = [];
  const refused = [];
  const byDepth = [...manifests].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  for (const m of byDepth) {
    if (covered.has(m)) continue;
    const metadata = (env) => sh('cargo', ['metadata', '--no-deps', '--format-version', '1', '--offline', '--manifest-path', m], dir, { RUSTUP_TOOLCHAIN: 'stable', ...env });
    let res = metadata({});
    let nightly = false;
    if (res.status !== 0 && /requires a nightly version of Cargo/.test(res.stderr)) {
      // `cargo-features = [...]`: the workspace pins a nightly toolchain; stable cargo reads it with RUSTC_BOOTSTRAP=1
      const again = metadata({ RUSTC_BOOTSTRAP: '1' });
      if (again.status === 0) [res, nightly] = [again, true];
    }
    if (res.status !== 0) {
      refused.push({ manifest: m, inScope: inScope(m), error: firstCargoError(res.stderr) });
      covered.add(m);
      continue;
    }
    const meta = JSON.parse(res.stdout);
    const wsRoot = relative(dir, meta.workspace_root) || '.';
    const wsManifest = wsRoot === '.' ? 'Cargo.toml' : `${wsRoot}/Cargo.toml`;
    covered.add(wsManifest);
    if (workspaces.some((w) => w.root === wsRoot)) continue;
    // `--no-deps` does not load the path dependencies of a package without a [workspace] table:
    // one onto a directory without Cargo.toml (an uninitialised git submodule) passes here, while
    // every command that resolves the workspace (cargo build, cargo metadata without --no-deps)
    // refuses it: "failed to load source for dependency"
    const dangling = meta.packages.flatMap((p) => p.dependencies.filter((d) => d.path && !existsSync(join(d.path, 'Cargo.toml'))).map((d) => `${relative(dir, p.manifest_path)}: ${d.name} = { path = ${relative(dir, d.path)} }`));
    if (dangling.length) {
      refused.push({ manifest: wsManifest, inScope: inScope(wsManifest), error: `path dependencies onto directories without Cargo.toml (cargo refuses them when it resolves: "failed to load source for dependency"): ${dangling.join('; ')}` });
      for (const p of meta.packages) covered.add(relative(dir, p.manifest_path));
      continue;
    }
    const members = [];
    for (const p of meta.packages) {
      const manifest = relative(dir, p.manifest_path);
      covered.add(manifest);
      if (manifest.startsWith('..')) continue; // outside the checkout
      const root = dirname(manifest) === '' ? '.' : dirname(manifest);
      members.push(root);
      if (!inScope(manifest)) continue;
      packages.set(root, {
        name: p.name,
        manifest,
        workspace: wsRoot,
        deps: p.dependencies.filter((d) => d.path).map((d) => ({
          name: d.name, rename: d.rename, kind: d.kind ?? 'normal', target: d.target, root: relative(dir, d.path) || '.',
        })),
      });
    }
    workspaces.push({ root: wsRoot, manifest: wsManifest, inScope: inScope(wsManifest), members: members.length, requestedFrom: m, ...(nightly ? { nightlyCargoFeatures: true } : {}) });
  }
  const projects = [...packages].map(([root, p]) => ({ kind: 'cargo', root, name: p.name, manifest: p.manifest }));
  const edges = [];
  const unresolved = [];
  for (const [root, p] of packages) {
    const seen = new Map();
    for (const d of p.deps) {
      if (d.root === root) continue;
      const how = `${d.kind}${d.target ? ` [${d.target}]` : ''} ${d.rename ? `${d.rename} (package ${d.name})` : d.name}`;
      if (!packages.has(d.root)) {
        unresolved.push({ source: root, path: d.root, how });
        continue;
      }
      seen.set(d.root, [...(seen.get(d.root) ?? []), how]);
    }
    for (const [target, hows] of seen) edges.push({ source: { kind: 'cargo', root }, target: { kind: 'cargo', root: target }, how: hows.join('; ') });
  }
  return { projects, edges, workspaces, refused, unresolved };
}

function firstCargoError(stderr) {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const i = lines.findIndex((l) => l.startsWith('error'));
  return lines.slice(i < 0 ? 0 : i, (i < 0 ? 0 : i) + 4).join(' | ');
}

// ---- ground truth: Python -------------------------------------------------------------

function pythonTruth(dir, pyprojects, locks) {
  const res = spawnSync(PYTHON, [join(here, 'python-truth.py')], {
    cwd: dir, input: JSON.stringify({ root: dir, pyprojects, locks }), encoding: 'utf8', maxBuffer: 1 << 28,
  });
  if (res.status !== 0) throw new Error(`python-truth.py failed in ${dir}:\n${res.stderr}`);
  const t = JSON.parse(res.stdout);
  return { ...t, projects: t.projects.map((p) => ({ kind: 'python', ...p })) };
}

// ---- the plugin, through Nx -----------------------------------------------------------

function runNx(dir, repo, registration) {
  const undo = [];
  const cleanup = () => { while (undo.length) { try { undo.pop()(); } catch (e) { process.stderr.write(`cleanup: ${e.message}\n`); } } };
  cleanupCurrent = cleanup;
  const tmp = mkdtempSync(join(tmpdir(), `corpus-${repo.name}-`));
  const out = { nx: {} };
  try {
    // nx.json: ours, or the repository's with the plugin merged in (restored afterwards)
    const nxJson = join(dir, 'nx.json');
    let config = {};
    if (existsSync(nxJson)) {
      const backup = join(tmp, 'nx.json.orig');
      renameSync(nxJson, backup);
      undo.push(() => renameSync(backup, nxJson));
      config = JSON.parse(readFileSync(backup, 'utf8'));
    } else {
      undo.push(() => rmSync(nxJson, { force: true }));
    }
    const plugins = (config.plugins ?? []).filter((p) => (typeof p === 'string' ? p : p.plugin) !== 'nx-polyglot');
    config.plugins = [...plugins, registration];
    // Nx's own JS lockfile analysis needs installed node_modules (pnpm's .modules.yaml): off,
    // it is not what is measured and its failures would make every pnpm repo a partial graph
    config.pluginsConfig = { ...config.pluginsConfig, '@nx/js': { analyzePackageJson: true, analyzeSourceFiles: false, ...config.pluginsConfig?.['@nx/js'], analyzeLockfile: false } };
    Object.assign(config, repo.nxJson ?? {});
    writeFileSync(nxJson, JSON.stringify(config, null, 2) + '\n');

    // node_modules links (only those missing; only ours are removed)
    const nm = join(dir, 'node_modules');
    if (!existsSync(nm)) {
      mkdirSync(nm);
      undo.push(() => rmSync(nm, { recursive: true, force: true }));
    }
    for (const [name, target] of Object.entries(LINKS)) {
      const link = join(nm, name);
      if (exists(link)) continue;
      symlinkSync(target, link);
      undo.push(() => rmSync(link, { force: true }));
    }

    // .nx: fresh for the cold run, kept between the runs, removed afterwards
    const dotNx = join(dir, '.nx');
    if (!sh('git', ['ls-files', '.nx'], dir).stdout.trim()) {
      rmSync(dotNx, { recursive: true, force: true });
      undo.push(() => rmSync(dotNx, { recursive: true, force: true }));
    }

    const graphFile = join(tmp, 'graph.json');
    const cold = timed(() => sh(NX_BIN, ['graph', `--file=${graphFile}`], dir, NX_ENV, NX_TIMEOUT_MS));
    out.nx.graph = { status: cold.res.status, seconds: cold.seconds, output: tail(cold.res.stdout + cold.res.stderr) };
    timed(() => sh(NX_BIN, ['show', 'projects'], dir, NX_ENV, NX_TIMEOUT_MS));
    const warm = timed(() => sh(NX_BIN, ['show', 'projects'], dir, NX_ENV, NX_TIMEOUT_MS));
    out.nx.showProjects = { status: warm.res.status, seconds: warm.seconds };
    const text = cold.res.stdout + '\n' + cold.res.stderr;
    if (cold.res.status === 0 && existsSync(graphFile)) {
      out.graph = JSON.parse(readFileSync(graphFile, 'utf8')).graph;
      mkdirSync(GRAPHS, { recursive: true });
      writeFileSync(join(GRAPHS, `${repo.name}.json`), JSON.stringify(out.graph));
      // Nx exits 0 with a partial graph when a plugin's createDependencies throws
      if (/threw an error|Showing partial graph/.test(text)) out.error = `partial graph: ${firstError(text, cold.res, dir)}`;
    } else out.error = firstError(text, cold.res, dir);
  } finally {
    cleanup();
    cleanupCurrent = () => {};
    rmSync(tmp, { recursive: true, force: true });
  }
  const status = sh('git', ['status', '--porcelain', '--untracked-files=all'], dir).stdout.split('\n').filter((l) => l && !l.startsWith(' D '));
  if (status.length) out.dirty = status.slice(0, 20);
  return out;
}

function firstError(text, res, dir) {
  if (dir) text = text.split(`${dir}/`).join('');
  if (res.error) return `${res.error.code ?? res.error.message}${res.signal ? ` (${res.signal})` : ''}`;
  const lines = text.replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim()).filter(Boolean);
  const noise = /^(NX\s+)?(Failed to process project graph|An error occurred while processing|JSON output created|The following errors|Pass --verbose|Run with|\/tmp\/)/i;
  const interesting = lines.filter((l) => !noise.test(l) && !/^NX\s*$/.test(l) && !/^-+$/.test(l));
  const i = interesting.findIndex(Boolean);
  // "...defined in multiple locations:" says more with the lines that follow
  const first = i < 0 ? lines[0] ?? `exit ${res.status}` : interesting[i].endsWith(':') ? interesting.slice(i, i + 4).join(' ') : interesting[i];
  return first.slice(0, 300);
}

// ---- comparison -----------------------------------------------------------------------

function compare(truth, nx) {
  const expectedProjects = [...truth.cargo.projects, ...truth.python.projects];
  const key = (k, root) => `${k}:${root}`;
  const expectedKeys = new Set(expectedProjects.map((p) => key(p.kind, p.root)));
  const pythonRoots = new Set(truth.python.projects.map((p) => p.root));
  const cargoRoots = new Set(truth.cargo.projects.map((p) => p.root));
  const expectedEdges = [];
  const truthNotes = { cargoUnresolvedPathDeps: truth.cargo.unresolved, pythonEdgesToNonProjects: [] };
  for (const e of [...truth.cargo.edges, ...truth.python.edges]) {
    const ok = e.target.kind === 'cargo' ? cargoRoots.has(e.target.root) : pythonRoots.has(e.target.root);
    if (ok) expectedEdges.push(e);
    else truthNotes.pythonEdgesToNonProjects.push(e);
  }

  const base = {
    truth: {
      cargoWorkspaces: truth.cargo.workspaces,
      cargoRefused: truth.cargo.refused.filter((r) => r.inScope),
      cargoRefusedExcluded: truth.cargo.refused.filter((r) => !r.inScope),
      pythonRefused: truth.python.refused,
      pythonNotProjects: truth.python.notProjects,
      ...truthNotes,
    },
    expected: { projects: expectedProjects.length, edges: expectedEdges.length },
    nx: nx.nx,
    dirty: nx.dirty,
    ...(nx.error ? { error: nx.error } : {}),
  };
  if (!nx.graph) {
    return {
      ...base, error: nx.error, found: { projects: 0, edges: 0 },
      missingProjects: expectedProjects.map((p) => key(p.kind, p.root)), extraProjects: [],
      missingEdges: expectedEdges.map(edgeText), falseEdges: [],
    };
  }

  // plugin nodes: cargo/python technologies, or nx-polyglot executors
  const nodes = Object.values(nx.graph.nodes).map((n) => {
    const techs = n.data?.metadata?.technologies ?? [];
    const executors = Object.values(n.data?.targets ?? {}).map((t) => t.executor ?? '');
    const kinds = ['cargo', 'python'].filter((k) => techs.includes(k));
    const polyglot = kinds.length > 0 || executors.some((x) => x.startsWith('nx-polyglot:'));
    return { name: n.name, root: n.data.root, kinds, polyglot };
  });
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const polyglotNodes = nodes.filter((n) => n.polyglot);
  const foundKeys = new Set();
  for (const n of polyglotNodes) {
    const kinds = n.kinds.length ? n.kinds : ['cargo', 'python'].filter((k) => expectedKeys.has(key(k, n.root)));
    for (const k of kinds.length ? kinds : ['?']) foundKeys.add(key(k, n.root));
  }
  const missingProjects = [...expectedKeys].filter((k) => !foundKeys.has(k)).sort();
  const refusedRoots = new Map(truth.cargo.refused.map((r) => [dirname(r.manifest) === '.' ? '.' : dirname(r.manifest), r.error]));
  const extraProjects = [...foundKeys].filter((k) => !expectedKeys.has(k)).sort()
    .map((k) => (k.startsWith('cargo:') && refusedRoots.has(k.slice(6)) ? `${k} (cargo refuses its manifest)` : k));
  // a crate and a Python package in one directory: Nx merges them into one project
  const sharedRoots = [...cargoRoots].filter((r) => pythonRoots.has(r)).map((root) => ({ root, nxProjects: nodes.filter((n) => n.root === root).map((n) => n.name) }));
  // another plugin (package.json, project.json) at a crate's / package's root: Nx merges the
  // configurations; the project may lose the plugin's name or have its targets replaced
  const hijacked = [];
  for (const p of expectedProjects) {
    const n = nodes.find((x) => x.root === p.root);
    if (!n) continue;
    // a crate and a pyproject in one directory are one project by the plugin's design: either name
    // and a name shared by two projects of one ecosystem is disambiguated as `name@root`
    const names = expectedProjects.filter((q) => q.root === p.root).flatMap((q) => [q.name, `rust-${q.name}`, `python-${q.name}`]).flatMap((x) => [x, `${x}@${p.root}`]);
    const raw = nx.graph.nodes[n.name].data;
    const replaced = Object.entries(raw.targets ?? {})
      .filter(([, t]) => (t.metadata?.technologies ?? []).some((k) => k === 'cargo' || k === 'python') && !(t.executor ?? '').startsWith('nx-polyglot:'))
      .map(([k, t]) => `${k} (${t.executor}${t.options?.script ? ` ${t.options.script}` : ''})`);
    if (!names.includes(n.name) || replaced.length) {
      hijacked.push({ project: `${p.kind}:${p.root}`, expectedName: p.name, nxName: n.name, replacedTargets: replaced });
    }
  }

  // edges compared on (source root, target root): a root is one Nx project
  const foundEdgeSet = new Set();
  for (const [src, deps] of Object.entries(nx.graph.dependencies)) {
    const s = byName.get(src);
    if (!s?.polyglot) continue;
    for (const d of deps) {
      const t = byName.get(d.target);
      if (t?.polyglot && t.root !== s.root) foundEdgeSet.add(`${s.root} -> ${t.root}`);
    }
  }
  const expectedEdgeSet = new Map();
  const sameRootEdges = [];
  for (const e of expectedEdges) {
    if (e.source.root === e.target.root) { sameRootEdges.push(edgeText(e)); continue; }
    const k = `${e.source.root} -> ${e.target.root}`;
    expectedEdgeSet.set(k, [...(expectedEdgeSet.get(k) ?? []), e]);
  }
  const missingEdges = [...expectedEdgeSet].filter(([k]) => !foundEdgeSet.has(k)).map(([, es]) => es.map(edgeText).join(' | ')).sort();
  const falseEdges = [...foundEdgeSet].filter((k) => !expectedEdgeSet.has(k)).sort();
  return {
    ...base,
    expected: { projects: expectedProjects.length, edges: expectedEdgeSet.size, sameRootEdges: sameRootEdges.length },
    found: { projects: expectedKeys.size - missingProjects.length, polyglotNodes: polyglotNodes.length, edges: expectedEdgeSet.size - missingEdges.length },
    missingProjects, extraProjects, missingEdges: [...missingEdges, ...sameRootEdges.map((e) => `${e} (same root: one Nx project)`)], falseEdges, sharedRoots, hijacked,
    nxProjectNames: Object.fromEntries(polyglotNodes.map((n) => [n.root, n.name])),
  };
}

function edgeText(e) {
  return `${e.source.kind}:${e.source.root} -> ${e.target.kind}:${e.target.root} (${e.how})`;
}

// ---- output ---------------------------------------------------------------------------

function summaryLine(r) {
  if (!r.expected) return `error: ${r.error}`;
  return `projects ${r.found.projects}/${r.expected.projects}, edges ${r.found.edges}/${r.expected.edges}, false ${r.falseEdges.length}, graph ${r.nx?.graph?.seconds?.toFixed(1)}s${r.error ? `, error: ${r.error}` : ''}`;
}

function table(rs) {
  const rows = [
    '| repository | commit | projects found/expected | edges found/expected | false edges | missing | graph time (s) | error |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rs) {
    if (!r.expected) { rows.push(`| ${label(r)} | ${r.commit.slice(0, 10)} | | | | | | ${md(r.error)} |`); continue; }
    const missing = [
      r.missingProjects.length && `${r.missingProjects.length} projects`,
      r.missingEdges.filter((e) => !e.includes('(same root')).length && `${r.missingEdges.filter((e) => !e.includes('(same root')).length} edges`,
      r.expected.sameRootEdges && `${r.expected.sameRootEdges} same-root maturin edges`,
      r.sharedRoots?.length && `${r.sharedRoots.length} crate+pyproject roots merged`,
      r.hijacked?.length && `${r.hijacked.length} renamed or targets replaced by another Nx plugin`,
      r.extraProjects.length && `+${r.extraProjects.length} extra projects`,
    ].filter(Boolean).join(', ') || '0';
    const time = r.nx?.showProjects ? `${r.nx.showProjects.seconds.toFixed(1)} (cold graph ${r.nx.graph.seconds.toFixed(1)})` : '';
    rows.push(`| ${label(r)} | ${r.commit.slice(0, 10)} | ${r.found.projects}/${r.expected.projects} | ${r.found.edges}/${r.expected.edges} | ${r.falseEdges.length} | ${missing} | ${time} | ${md(r.error ?? '')} |`);
  }
  return rows.join('\n');
}

function label(r) {
  return r.github.split('/')[1] === r.name ? r.github : `${r.github} (${r.name})`;
}

function md(s) {
  return String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

// ---- helpers --------------------------------------------------------------------------

function sh(cmd, argv, cwd, env = {}, timeout = 600_000) {
  const res = spawnSync(cmd, argv, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 28, timeout });
  return { status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '', error: res.error, signal: res.signal };
}

function timed(f) {
  const t = process.hrtime.bigint();
  const res = f();
  return { res, seconds: Number(process.hrtime.bigint() - t) / 1e9 };
}

function tail(s) {
  const lines = s.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  return lines.slice(-60).join('\n');
}

function exists(p) {
  try { lstatSync(p); return true; } catch { return false; }
}
