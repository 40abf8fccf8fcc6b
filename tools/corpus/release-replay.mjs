#!/usr/bin/env node
// Replays real releases of repositories that version their crates (and npm packages) independently:
// at the commit before an upstream release commit, the plugin built in this checkout is adopted with
// `nx g nx-polyglot:init` (its proposal is printed), then `nx release version <v> --projects=<p,...>`
// runs once per version upstream chose, and the manifests and lock files are compared with
// upstream's release commit. README.md ("Release replays") has the results and their causes.
//
//   npm run build -w nx-polyglot && node tools/corpus/release-replay.mjs [--keep] [--dependents=auto] [label...]
//
// MIRRORS (default /work/.mirror): `<owner>+<name>/repo` bare repositories as the `fetch` tool brings
// them (github:toml-rs/toml, github:release-plz/release-plz, github:clap-rs/clap,
// github:tauri-apps/tauri).
// Exits 1 when a replay marked `expect: "equal"` differs (with the default `--dependents=never`).
// REPLAYS (default /work/replays): where the scratch worktrees go (removed afterwards unless --keep).
// --dependents: `release.version.updateDependents` for the run; default `never`, the behaviour of the
// tools these repositories release with (below); `auto` keeps Nx's default, which init leaves as is.
// Writes /tmp/release-replay.json (RELEASE_REPLAY_REPORT overrides) and prints a markdown table.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = resolve(here, "../..");
const NX_BIN = join(MAIN, "node_modules/.bin/nx");
const MIRRORS = process.env.MIRRORS ?? "/work/.mirror";
const REPLAYS = process.env.REPLAYS ?? "/work/replays";
const REPORT = process.env.RELEASE_REPLAY_REPORT ?? "/tmp/release-replay.json";
const NX_ENV = {
  NX_DAEMON: "false",
  NX_NO_CLOUD: "true",
  NX_TUI: "false",
  FORCE_COLOR: "0",
  NX_VERBOSE_LOGGING: "false",
};
const LINKS = {
  nx: join(MAIN, "node_modules/nx"),
  "@nx": join(MAIN, "node_modules/@nx"),
  "nx-polyglot": join(MAIN, "plugins/nx-polyglot"),
};
const MANIFEST = /(^|\/)(Cargo\.toml|pyproject\.toml|package\.json)$/;
const LOCK =
  /(^|\/)(Cargo\.lock|uv\.lock|package-lock\.json|pnpm-lock\.yaml|yarn\.lock)$/;

// versions: project -> upstream's version. One `nx release version` takes one specifier: projects
// moving to the same version are versioned in one run (`--projects=a,b`, so that each sees the
// other's new version), projects moving to different versions need a run each, made in the list's
// order (dependencies before their dependents, so that a dependent versioned later sees its
// dependency's new version). Nx's version plans would take bump kinds, not versions.
const RELEASES = [
  {
    label: "toml@toml_parser-v1.1.3",
    repo: "toml-rs/toml",
    tool: "cargo-release",
    before: "5a47a5180e8acd71ca17e14be75081041e457051",
    release: "4ec099fed591a172f82007cb2f9d605985bbecee",
    versions: { toml_parser: "1.1.3+spec-1.1.0" },
  },
  {
    label: "toml@toml-v1.1.3",
    repo: "toml-rs/toml",
    tool: "cargo-release",
    before: "f36fb52c37593b9fece9f4382a56ab51c9e65890",
    release: "eb251609a333580bf005cae27df853bb63dffdbe",
    versions: {
      toml_writer: "1.1.2+spec-1.1.0",
      toml_edit: "0.25.13+spec-1.1.0",
      toml: "1.1.3+spec-1.1.0",
    },
  },
  {
    label: "release-plz@0.3.160",
    repo: "release-plz/release-plz",
    tool: "release-plz",
    before: "e8e4ed58500c4d2d5755f3140b3d93da78fc1f4b",
    release: "7e38e7a93dff31bbf6312400f79b9de36e8d3834",
    versions: {
      cargo_utils: "0.1.80",
      release_plz_core: "0.37.0",
      "release-plz": "0.3.160",
    },
  },
  {
    label: "release-plz@0.3.158",
    repo: "release-plz/release-plz",
    tool: "release-plz",
    before: "666cad5bdf1ae0a57c623bc71ab229115af361db",
    release: "f308301f4ba4423222a6c0149f6e697d4841521b",
    versions: {
      next_version: "0.3.2",
      release_plz_core: "0.36.14",
      "release-plz": "0.3.158",
    },
  },
  {
    label: "clap@clap_complete-v4.6.9",
    repo: "clap-rs/clap",
    tool: "cargo-release",
    before: "89e6e9b59c6209c5d9817c7d113ad7ad7f6d6907",
    release: "715b812f3b72ebca1d5ce257e0495e1e76aea56f",
    versions: { clap_complete: "4.6.9" },
    // byte for byte today with `updateDependents: never`: a change of the plugin that breaks it fails the run
    expect: "equal",
  },
  {
    label: "clap@v4.6.6",
    repo: "clap-rs/clap",
    tool: "cargo-release",
    before: "e1f6b90d447ac94e3c78aa76c1c54f3e7fe941db",
    release: "4a622b4340d5e1fffff60c0ecefdc6882f738159",
    // clap and clap_builder share a version (cargo-release's shared-version; `clap_builder = "=4.6.5"`)
    versions: { clap_builder: "4.6.6", clap: "4.6.6", clap_mangen: "0.3.2" },
  },
  {
    label: "tauri@2.0.5",
    repo: "tauri-apps/tauri",
    tool: "covector",
    before: "fbb45c674ca92fbbe04f1a8360e5f2e477dd4297",
    release: "1367ff5ec622f46b9447133ee8443808af04266b",
    versions: {
      "tauri-bundler": "2.0.4",
      "tauri-cli": "2.0.4",
      tauri: "2.0.5",
      "@tauri-apps/api": "2.0.3",
      "@tauri-apps/cli": "2.0.4",
    },
  },
];

const args = process.argv.slice(2);
const keep = args.includes("--keep");
const dependents = (
  args.find((a) => a.startsWith("--dependents=")) ?? "--dependents=never"
).split("=")[1];
const wanted = args.filter((a) => !a.startsWith("--"));
for (const w of wanted)
  if (!RELEASES.some((r) => r.label === w))
    throw new Error(`no release labelled ${w}`);

function sh(cmd, argv, cwd, env = {}) {
  const r = spawnSync(cmd, argv, {
    cwd,
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  return {
    status: r.status,
    out: `${r.stdout ?? ""}${r.stderr ?? ""}`,
    stdout: r.stdout ?? "",
  };
}
function git(gitDir, ...argv) {
  const r = sh("git", ["--git-dir", gitDir, ...argv]);
  if (r.status !== 0) throw new Error(`git ${argv.join(" ")}: ${r.out.trim()}`);
  return r.stdout;
}
const nx = (dir, argv) =>
  sh("nice", ["-n", "19", NX_BIN, ...argv], dir, NX_ENV);

/** A scratch worktree at `commit` (checkout-index: the snapshots lack files of 4 MiB and more). */
function checkout(gitDir, commit, dir) {
  if (existsSync(dir)) git(gitDir, "worktree", "remove", "--force", dir);
  git(gitDir, "worktree", "add", "--no-checkout", "--detach", dir, commit);
  for (const argv of [
    ["read-tree", "HEAD"],
    ["checkout-index", "-a", "-f"],
  ]) {
    const r = sh("git", argv, dir);
    // the absent large blobs are the only failures accepted (no manifest or lock file is one)
    const other = r.out
      .split("\n")
      .filter(
        (l) => l && !/unable to read sha1 file|error: .* is absent/.test(l),
      );
    if (r.status !== 0 && other.length)
      throw new Error(`git ${argv.join(" ")} in ${dir}: ${other.join("\n")}`);
  }
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  for (const [name, target] of Object.entries(LINKS))
    symlinkSync(target, join(dir, "node_modules", name));
}

/** The first line where two texts part, as `line N: upstream «…» / ours «…»`. */
function firstDifference(upstream, ours) {
  if (upstream === ours) return "";
  if (ours === null) return "missing here";
  const a = upstream.split("\n");
  const b = ours.split("\n");
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `line ${i + 1}: upstream \`${(a[i] ?? "<end>").trim()}\`, ours \`${(b[i] ?? "<end>").trim()}\``;
}

function replay(r) {
  const gitDir = join(MIRRORS, r.repo.replace("/", "+"), "repo");
  const dir = join(REPLAYS, r.label.replace(/[@/]/g, "-"));
  const row = { ...r, dependents, runs: [], files: {} };
  try {
    checkout(gitDir, r.before, dir);
    // Nx's own JS lock-file analysis needs an installed node_modules (pnpm's .modules.yaml), which
    // these checkouts lack: off, as in run.mjs; init then merges into this nx.json
    const nxJsonFile = join(dir, "nx.json");
    if (existsSync(nxJsonFile))
      throw new Error("the repository has an nx.json: not handled here");
    writeFileSync(
      nxJsonFile,
      JSON.stringify(
        { pluginsConfig: { "@nx/js": { analyzeLockfile: false } } },
        null,
        2,
      ) + "\n",
    );
    const init = nx(dir, ["g", "nx-polyglot:init"]);
    row.init = init.out
      .split("\n")
      .filter((l) => /^(CREATED|UPDATED|not released)/.test(l));
    if (init.status !== 0)
      throw new Error(`nx g nx-polyglot:init failed:\n${init.out}`);
    const nxJson = JSON.parse(readFileSync(nxJsonFile, "utf8"));
    if (dependents !== "auto") {
      nxJson.release.version = {
        ...nxJson.release.version,
        updateDependents: dependents,
      };
      writeFileSync(nxJsonFile, JSON.stringify(nxJson, null, 2) + "\n");
    }
    row.groups = nxJson.release.groups;
    // what init wrote (root targets in a package.json) is the adoption, not the release: compared
    // from here on
    const adopted = new Map(
      changedFiles(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]),
    );
    for (const [version, projects] of runs(r.versions)) {
      const run = nx(dir, [
        "release",
        "version",
        version,
        `--projects=${projects.join(",")}`,
        "--git-commit=false",
        "--git-tag=false",
        "--stage-changes=false",
      ]);
      row.runs.push({ projects, version, status: run.status, out: run.out });
      if (run.status !== 0)
        row.failed = `${projects.join(",")} ${version}: ${lastLines(run.out)}`;
    }
    // every manifest and lock file either side changed; the rest upstream changed is listed
    const upstreamChanged = git(
      gitDir,
      "diff",
      "--name-only",
      r.before,
      r.release,
    )
      .split("\n")
      .filter(Boolean);
    const ours = changedFiles(dir).filter(
      (f) => adopted.get(f) !== readFileSync(join(dir, f), "utf8"),
    );
    row.upstreamOther = upstreamChanged.filter(
      (f) => !MANIFEST.test(f) && !LOCK.test(f),
    );
    for (const f of new Set(
      [...upstreamChanged, ...ours].filter(
        (f) => MANIFEST.test(f) || LOCK.test(f),
      ),
    )) {
      const upstream = upstreamChanged.includes(f)
        ? show(gitDir, r.release, f)
        : null;
      const mine = existsSync(join(dir, f))
        ? readFileSync(join(dir, f), "utf8")
        : null;
      // in the set, a file upstream left alone is one we changed
      const difference =
        upstream === null
          ? "upstream did not change it"
          : firstDifference(upstream, mine);
      row.files[f] = { kind: LOCK.test(f) ? "lock" : "manifest", difference };
    }
  } catch (e) {
    row.failed = e.message;
  } finally {
    if (!keep && existsSync(dir))
      git(gitDir, "worktree", "remove", "--force", dir);
  }
  return row;
}

const changedFiles = (dir) =>
  sh("git", ["diff", "--name-only"], dir)
    .stdout.split("\n")
    .filter((f) => f && existsSync(join(dir, f)));

/** One run per version, its projects together (Nx versions them in one pass), in the list's order. */
function runs(versions) {
  const byVersion = new Map();
  for (const [project, version] of Object.entries(versions))
    byVersion.set(version, [...(byVersion.get(version) ?? []), project]);
  return [...byVersion];
}

function show(gitDir, rev, file) {
  const r = sh("git", ["--git-dir", gitDir, "show", `${rev}:${file}`]);
  return r.status === 0 ? r.stdout : null;
}
const lastLines = (s) => s.trim().split("\n").slice(-3).join(" / ");

function cell(row, kind) {
  if (row.failed && !Object.keys(row.files).length)
    return `failed: ${row.failed}`;
  const differ = Object.entries(row.files).filter(
    ([, f]) => f.kind === kind && f.difference,
  );
  const all = Object.values(row.files).filter((f) => f.kind === kind).length;
  if (!differ.length) return all ? `equal (${all})` : "none changed";
  return (
    `differ ${differ.length}/${all}: ` +
    differ.map(([f, d]) => `\`${f}\` ${d.difference}`).join("; ")
  );
}

const rows = RELEASES.filter(
  (r) => !wanted.length || wanted.includes(r.label),
).map(replay);
writeFileSync(REPORT, JSON.stringify(rows, null, 2) + "\n");
const md = (s) => String(s).replaceAll("|", "\\|").replaceAll("\n", " ");
console.log(`updateDependents: ${dependents}\n`);
console.log(
  "| repository | release | upstream tool | projects | manifests | lock file | upstream also edited |",
);
console.log("|---|---|---|---|---|---|---|");
for (const r of rows) {
  const projects = Object.entries(r.versions)
    .map(([p, v]) => `${p} ${v}`)
    .join(", ");
  console.log(
    `| ${r.repo} | ${r.release.slice(0, 9)} | ${r.tool} | ${md(projects)} | ${md(cell(r, "manifest"))} | ` +
      `${md(cell(r, "lock"))} | ${md(r.upstreamOther?.join(", ") ?? "")} |`,
  );
}
for (const r of rows) {
  console.log(`\n${r.label}: init proposed ${md((r.init ?? []).join(" / "))}`);
  if (r.failed) console.log(`  failed: ${r.failed}`);
}
// a replay recorded as equal must stay so (with the dependents policy it was recorded with)
const broken = rows.filter(
  (r) =>
    r.expect === "equal" &&
    dependents === "never" &&
    (r.failed || Object.values(r.files).some((f) => f.difference)),
);
for (const r of broken)
  console.error(`${r.label}: no longer equal to upstream`);
if (broken.length) process.exitCode = 1;
