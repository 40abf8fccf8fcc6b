#!/usr/bin/env node
// The seed's release plan (../shared/seed/release-plan-v0.12.md), end to end, on upstream
// Micromegas as a new user would run it: a checkout of the fetched mirror, nx + the plugin linked
// in, the plugin registered with `nx g nx-polyglot:init`, the release targets on the root project,
// local registries on 127.0.0.1. Run at v0.12.0 (the seed's release) and at the newest commit.
//
//   node tools/corpus/micromegas-release.mjs [--keep] [label...]     labels: v0.12.0, newest
//
// MICROMEGAS_MIRROR (default /work/.mirror/madesroches+micromegas/repo): the bare mirror
// (`fetch github:madesroches/micromegas`). MICROMEGAS_NEWEST: the newest commit to use (default:
// the mirror's HEAD). Writes /tmp/micromegas-release.json and prints a Markdown table.
//
// Each step says what it compares with: the graph with `cargo metadata` of every Cargo root, the
// bump with upstream's own bump commit (v0.12.0 -> 0.13.0 is 790329441), `nx release version`
// with the bump, the publish with the registries' indexes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = resolve(here, '../..');
const MIRROR = process.env.MICROMEGAS_MIRROR ?? '/work/.mirror/madesroches+micromegas/repo';
const ENV = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  FORCE_COLOR: '0',
  // the repository pins a toolchain this machine may not have
  RUSTUP_TOOLCHAIN: process.env.RUSTUP_TOOLCHAIN ?? 'stable',
};
const REFS = [
  { label: 'v0.12.0', ref: 'v0.12.0', upstreamBump: '790329441' },
  { label: 'newest', ref: process.env.MICROMEGAS_NEWEST ?? 'HEAD' },
];
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const wanted = args.filter((a) => !a.startsWith('--'));

function run(cmd, argv, cwd, env = ENV) {
  const r = spawnSync(cmd, argv, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
function must(cmd, argv, cwd, env) {
  const r = run(cmd, argv, cwd, env);
  if (r.code !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.code}:\n${r.out.slice(-3000)}`);
  return r.out;
}
/**
 * nx and the packed plugin, installed from the registry and the tarball as a user's `npm install`
 * would, once, outside the checkout (whose own package.json is a yarn workspace we do not install).
 */
const TOOLS = mkdtempSync(join(tmpdir(), 'micromegas-release-tools-'));
function installTools() {
  const tarball = must('npm', ['pack', '--silent', '--pack-destination', TOOLS], join(MAIN, 'plugins/nx-polyglot')).trim();
  const nxVersion = JSON.parse(readFileSync(join(MAIN, 'node_modules/nx/package.json'), 'utf8')).version;
  writeFileSync(
    join(TOOLS, 'package.json'),
    JSON.stringify({ private: true, devDependencies: { nx: nxVersion, 'nx-polyglot': `file:./${tarball.split('\n').pop()}` } }),
  );
  must('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], TOOLS);
}
let currentEnv = ENV; // the registries' variables once they run
const nx = (dir, ...argv) => run(join(TOOLS, 'node_modules/.bin/nx'), argv, dir, currentEnv);
const git = (dir, ...argv) => must('git', argv, dir);
/** The files a step changed, from git (the checkout lacks the mirror's largest files: ' D' is not a change). */
const changedFiles = (dir) =>
  git(dir, 'status', '--porcelain', '--untracked-files=all')
    .split('\n')
    .filter((l) => l && !l.startsWith(' D'))
    .map((l) => l.slice(3))
    .sort();
const restore = (dir) => {
  const files = changedFiles(dir);
  if (files.length) git(dir, 'checkout', '--', ...files);
  if (changedFiles(dir).length) throw new Error(`could not restore ${dir}: ${changedFiles(dir).join(', ')}`);
};
/** The last lines a tool said, without Nx's own run summary around them. */
const NX_CHROME = /^\s*(NX\s|>\s*NX|Failed tasks:|- \S+:\S+$|Hint: |Run duration:|Cache:|Critical path:|Recoverable time:|Pass --verbose|With additional flags:|--\S+=)/;
const lastLines = (out, n = 6) =>
  out
    .split('\n')
    .filter((l) => l.trim() && !NX_CHROME.test(l))
    .slice(-n)
    .join(' / ');

/** A checkout of `ref`, set up as a new user would: nx and the plugin, `nx g nx-polyglot:init`, root targets. */
function checkout(ref) {
  const dir = mkdtempSync(join(tmpdir(), 'micromegas-release-'));
  rmSync(dir, { recursive: true });
  must('git', ['--git-dir', MIRROR, 'worktree', 'add', '--no-checkout', '--detach', dir, ref], MAIN);
  // the snapshot lacks its largest blobs (images): checkout-index skips them where checkout aborts
  git(dir, 'read-tree', 'HEAD');
  run('git', ['checkout-index', '-a', '-f'], dir);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  // .bin too: the release steps run `npx nx` inside the repository, as a user's install allows
  for (const name of ['.bin', 'nx', '@nx', 'nx-polyglot']) symlinkSync(join(TOOLS, 'node_modules', name), join(dir, 'node_modules', name));
  writeFileSync(join(dir, '.gitignore'), `${readText(dir, '.gitignore')}\nnode_modules\n.nx\n`);
  // the root project carries the workspace-level targets (README "Versioning"); a repository
  // without a root package.json gets a minimal one, as `npm init` would make
  const pkgPath = join(dir, 'package.json');
  const pkg = existsSync(pkgPath) ? JSON.parse(readFileSync(pkgPath, 'utf8')) : { name: 'micromegas-root', private: true };
  pkg.nx = {
    ...pkg.nx,
    includedScripts: [],
    targets: {
      ...pkg.nx?.targets,
      'version-check': { executor: 'nx-polyglot:version-check', cache: false },
      bump: { executor: 'nx-polyglot:bump', cache: false },
      rollback: { executor: 'nx-polyglot:release-flow', cache: false, options: { step: 'rollback' } },
    },
  };
  writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
  // what `nx init` leaves in a repository that has no Nx yet
  if (!existsSync(join(dir, 'nx.json'))) writeFileSync(join(dir, 'nx.json'), '{}\n');
  const init = nx(dir, 'g', 'nx-polyglot:init', '--no-interactive');
  if (init.code !== 0) throw new Error(`nx g nx-polyglot:init: ${lastLines(init.out)}`);
  // local registries for the rehearsal, and the web app in the lockstep group as upstream bumps it
  const nxJson = JSON.parse(readFileSync(join(dir, 'nx.json'), 'utf8'));
  nxJson.plugins = nxJson.plugins.map((p) =>
    (typeof p === 'string' ? p : p.plugin) === 'nx-polyglot'
      ? {
          plugin: 'nx-polyglot',
          // verification builds of every crate (datafusion, arrow...) take hours on two cores: off, said in the table
          options: {
            publish: { cargo: { registry: 'local', replacesCratesIo: true, verify: false }, python: { repository: 'local' } },
          },
        }
      : p,
  );
  nxJson.release.projects = [...nxJson.release.projects, 'analytics-web-app'];
  // the web app is in no npm workspace, so Nx infers no project for it: one project.json line does
  if (!existsSync(join(dir, 'analytics-web-app/project.json')))
    writeFileSync(join(dir, 'analytics-web-app/project.json'), '{ "name": "analytics-web-app" }\n');
  writeFileSync(join(dir, 'nx.json'), `${JSON.stringify(nxJson, null, 2)}\n`);
  git(dir, 'add', '-A', '--', 'package.json', 'nx.json', '.gitignore', 'analytics-web-app/project.json');
  git(dir, '-c', 'user.name=release', '-c', 'user.email=release@localhost', 'commit', '-qm', 'nx-polyglot', '--no-verify');
  return dir;
}
function readText(dir, file) {
  return existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '';
}

/** Every Cargo root (workspace or standalone crate) as cargo metadata reports it: packages and path edges. */
function cargoTruth(dir) {
  const manifests = git(dir, 'ls-files', '--', '*Cargo.toml', 'Cargo.toml')
    .split('\n')
    .filter(Boolean)
    .sort((a, b) => a.split('/').length - b.split('/').length);
  const covered = new Set();
  const crates = new Map(); // root dir -> { name, deps: root dirs }
  for (const m of manifests) {
    if (covered.has(m)) continue;
    const r = run('cargo', ['metadata', '--no-deps', '--format-version', '1', '--offline', '--manifest-path', m], dir);
    if (r.code !== 0) continue; // a manifest cargo refuses on its own (a fixture): not a project
    const meta = JSON.parse(r.out.slice(r.out.indexOf('{')));
    for (const p of meta.packages) {
      const root = relative(dir, dirname(p.manifest_path)) || '.';
      covered.add(relative(dir, p.manifest_path));
      crates.set(root, {
        name: p.name,
        workspace: meta.workspace_root,
        publish: p.publish === null || p.publish.length > 0,
        deps: p.dependencies.filter((d) => d.path).map((d) => relative(dir, d.path) || '.'),
        // cargo cannot publish a crate with a normal or build path dependency that has no version
        unpublishable: p.dependencies.some((d) => d.path && d.kind !== 'dev' && d.req === '*'),
      });
    }
  }
  for (const c of crates.values()) c.deps = [...new Set(c.deps.filter((d) => crates.has(d)))].sort();
  return crates;
}

const nextMinor = (v) => {
  const [major, minor] = v.split('.').map(Number);
  return `${major}.${minor + 1}.0`;
};

const steps = {
  /** nx graph = cargo metadata across every Cargo root: the same crates and path edges. */
  graph(ctx) {
    const r = nx(ctx.dir, 'graph', '--file=graph.json');
    if (r.code !== 0) throw new Error(lastLines(r.out));
    const { graph } = JSON.parse(readFileSync(join(ctx.dir, 'graph.json'), 'utf8'));
    rmSync(join(ctx.dir, 'graph.json'));
    const byRoot = new Map(Object.values(graph.nodes).map((n) => [n.data.root, n.name]));
    const truth = cargoTruth(ctx.dir);
    const wrong = [];
    let edges = 0;
    for (const [root, crate] of truth) {
      const project = byRoot.get(root);
      if (!project) {
        wrong.push(`no project at ${root}`);
        continue;
      }
      const ours = new Set((graph.dependencies[project] ?? []).map((d) => graph.nodes[d.target]?.data.root));
      for (const d of crate.deps) {
        edges++;
        if (!ours.has(d)) wrong.push(`${root} -> ${d} missing`);
      }
    }
    ctx.projects = graph.nodes;
    ctx.rootProject = byRoot.get('.');
    ctx.version = JSON.parse(readFileSync(join(ctx.dir, 'analytics-web-app/package.json'), 'utf8')).version;
    if (wrong.length) throw new Error(wrong.slice(0, 5).join('; '));
    const roots = new Set([...truth.values()].map((c) => c.workspace)).size;
    // what a user excludes from the publish: crates cargo cannot publish as they are
    ctx.unpublishable = [...truth.values()].filter((c) => c.publish && c.unpublishable).map((c) => c.name);
    ctx.publishable = [...truth.values()].filter((c) => c.publish && !c.unpublishable).map((c) => c.name);
    return `${truth.size} crates in ${roots} Cargo root${roots > 1 ? 's' : ''}, ${edges} path edges = cargo metadata`;
  },
  'version-check'(ctx) {
    const r = nx(ctx.dir, 'run', `${ctx.rootProject}:version-check`);
    if (r.code !== 0) throw new Error(lastLines(r.out));
    return (r.out.match(/All \d+ manifests[^\n]*/) ?? [lastLines(r.out, 1)])[0];
  },
  /** bump to the next minor; where upstream bumped by hand, byte-identical to its commit. */
  bump(ctx) {
    const to = nextMinor(ctx.version);
    const r = nx(ctx.dir, 'run', `${ctx.rootProject}:bump`, `--to=${to}`);
    if (r.code !== 0) throw new Error(lastLines(r.out));
    ctx.bumped = changedFiles(ctx.dir);
    let detail = `${ctx.version} -> ${to}: ${ctx.bumped.length} files`;
    if (ctx.upstreamBump) {
      const theirs = git(ctx.dir, 'diff', '--name-only', ctx.ref, ctx.upstreamBump).split('\n').filter(Boolean);
      const differ = ctx.bumped.filter(
        (f) => run('git', ['cat-file', '-e', `${ctx.upstreamBump}:${f}`], ctx.dir).code !== 0 ||
          must('git', ['show', `${ctx.upstreamBump}:${f}`], ctx.dir) !== readFileSync(join(ctx.dir, f), 'utf8'),
      );
      const missed = theirs.filter((f) => /(Cargo\.(toml|lock)|pyproject\.toml|package(-lock)?\.json)$/.test(f) && !ctx.bumped.includes(f));
      if (differ.length || missed.length)
        throw new Error(`differs from upstream ${ctx.upstreamBump}: ${[...differ, ...missed.map((m) => `${m} not bumped`)].join(', ')}`);
      detail += `, byte-identical to upstream ${ctx.upstreamBump}`;
    }
    restore(ctx.dir);
    return detail;
  },
  /** nx release version changes exactly the files bump changes. */
  'nx release version'(ctx) {
    const to = nextMinor(ctx.version);
    const r = nx(ctx.dir, 'release', 'version', to, '--git-commit=false', '--git-tag=false', '--stage-changes=false');
    const changed = changedFiles(ctx.dir);
    restore(ctx.dir);
    if (r.code !== 0) throw new Error(`${lastLines(r.out)} (left ${changed.length} files changed)`);
    const extra = changed.filter((f) => !ctx.bumped?.includes(f));
    const missing = (ctx.bumped ?? []).filter((f) => !changed.includes(f));
    if (extra.length || missing.length) throw new Error(`beside bump: +${extra.join(',')} -${missing.join(',')}`);
    return `the same ${changed.length} files as bump`;
  },
  /** Everything publishable: stopped before any upload when cargo could not publish some crate. */
  'publish --dry-run'(ctx) {
    const r = nx(ctx.dir, 'run-many', '-t', 'publish', '--dry-run', '--output-style=static');
    const problems = r.out.match(/Nothing was published: (\d+) problem/);
    if (ctx.unpublishable.length) {
      if (r.code === 0 || !problems) throw new Error(`not stopped although ${ctx.unpublishable.join(', ')} cannot be published`);
      const first = r.out.split('\n').find((l) => /^\s+- /.test(l) && l.includes('.toml')) ?? '';
      return `stopped before any upload: ${first.trim().slice(0, 160)}`;
    }
    if (r.code !== 0) throw new Error(lastLines(r.out, 8));
    return `${[...r.out.matchAll(/^\s+wave \d+:/gm)].length} waves`;
  },
  /** What a user publishes: every crate cargo can publish, across every Cargo root, and the Python package. */
  'publish --dry-run --exclude'(ctx) {
    const r = nx(ctx.dir, 'run-many', '-t', 'publish', '--dry-run', '--output-style=static', ...exclude(ctx));
    if (r.code !== 0) throw new Error(lastLines(r.out, 8));
    const planned = records(ctx).filter((x) => x.status === 'planned');
    return `${[...r.out.matchAll(/^\s+wave \d+:/gm)].length} waves, ${planned.length} packages planned${ctx.unpublishable.length ? `, ${ctx.unpublishable.length} servers excluded` : ''}`;
  },
  publish(ctx) {
    const r = nx(ctx.dir, 'run-many', '-t', 'publish', '--output-style=static', ...exclude(ctx));
    if (r.code !== 0) throw new Error(lastLines(r.out, 8));
    const published = records(ctx).filter((x) => x.status === 'published');
    return `${published.length} packages published (${published.filter((x) => x.ecosystem === 'cargo').length} crates)`;
  },
  'publish again'(ctx) {
    const r = nx(ctx.dir, 'run-many', '-t', 'publish', '--output-style=static', ...exclude(ctx));
    if (r.code !== 0) throw new Error(lastLines(r.out, 8));
    const log = records(ctx);
    const uploaded = log.filter((x) => x.status === 'published');
    if (uploaded.length) throw new Error(`uploaded again: ${uploaded.map((x) => x.name).join(', ')}`);
    return `nothing uploaded, ${log.filter((x) => x.status === 'skipped').length} skipped`;
  },
  'rollback --dry-run'(ctx) {
    const r = nx(ctx.dir, 'run', `${ctx.rootProject}:rollback`, `--vers=${ctx.version}`, '--dry-run');
    if (r.code !== 0) throw new Error(lastLines(r.out, 6));
    if (/\x1b\[/.test(r.out.replace(/^.*NX.*$/gm, ''))) throw new Error('raw ANSI codes in the output');
    const would = [...r.out.matchAll(/would be yanked/g)].length;
    if (would === 0) throw new Error(`yanks nothing of what the publish step uploaded: ${lastLines(r.out, 3)}`);
    return `would yank ${would} crates, changes nothing`;
  },
};

const exclude = (ctx) => (ctx.unpublishable.length ? [`--exclude=${ctx.unpublishable.join(',')}`] : []);
/** The publish log of the last step (each step starts a new one). */
function records(ctx) {
  const file = ctx.env.NX_POLYGLOT_PUBLISH_LOG;
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

/** kellnr and pypiserver on 127.0.0.1 (tools/registries), a fresh token, their URLs as the clients' variables. */
function startRegistries(data) {
  const env = { ...ENV, CARGO_REGISTRIES_LOCAL_TOKEN: randomBytes(18).toString('base64url') };
  must('bash', [join(MAIN, 'tools/registries/install.sh')], MAIN, env);
  must('bash', [join(MAIN, 'tools/registries/start.sh'), data, 'crates', 'pypi'], MAIN, env);
  for (const line of readFileSync(join(data, 'registries.env'), 'utf8').split('\n')) {
    const m = /^export (\w+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

function releaseRun(spec) {
  const ctx = { ...spec };
  ctx.dir = checkout(spec.ref);
  const data = mkdtempSync(join(tmpdir(), 'micromegas-release-registries-'));
  ctx.env = startRegistries(data);
  currentEnv = ctx.env;
  ctx.commit = git(ctx.dir, 'rev-parse', '--short', 'HEAD~1').trim();
  const results = {};
  for (const [name, step] of Object.entries(steps)) {
    const start = Date.now();
    ctx.env.NX_POLYGLOT_PUBLISH_LOG = join(data, `${name.replace(/\W+/g, '-')}.jsonl`);
    try {
      results[name] = { ok: true, detail: step(ctx) };
    } catch (e) {
      results[name] = { ok: false, detail: String(e.message ?? e).replace(/\s+/g, ' ').slice(0, 400) };
    }
    results[name].seconds = (Date.now() - start) / 1000;
    console.error(`${spec.label} ${name}: ${results[name].ok ? 'ok' : 'FAILED'} ${results[name].detail}`);
  }
  must('bash', [join(MAIN, 'tools/registries/stop.sh'), data], MAIN);
  if (!keep) {
    rmSync(data, { recursive: true, force: true });
    must('git', ['--git-dir', MIRROR, 'worktree', 'remove', '--force', ctx.dir], MAIN);
  } else console.error(`kept ${ctx.dir}`);
  return { label: spec.label, commit: ctx.commit, results };
}

installTools();
const runs = REFS.filter((r) => !wanted.length || wanted.includes(r.label)).map(releaseRun);
writeFileSync('/tmp/micromegas-release.json', JSON.stringify(runs, null, 2));
console.log(`| step | ${runs.map((r) => `${r.label} (${r.commit})`).join(' | ')} |`);
console.log(`|---|${runs.map(() => '---').join('|')}|`);
for (const name of Object.keys(steps)) {
  const cell = (r) => {
    const s = r.results[name];
    return `${s.ok ? '✓' : '✗'} ${s.detail} (${s.seconds.toFixed(1)} s)`;
  };
  console.log(`| ${name} | ${runs.map(cell).join(' | ')} |`);
}
