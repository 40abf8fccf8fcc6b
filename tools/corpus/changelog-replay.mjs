#!/usr/bin/env node
// Replays real releases' changelog edits: CHANGELOG.md at the commit before an upstream release
// commit, rolled by nx-polyglot's release step (releaseSection) with upstream's version and date,
// against CHANGELOG.md at that release commit. Whether an empty unreleased heading is kept comes
// from the file at the previous release's tag, as the release step reads it.
//
//   npm run build -w nx-polyglot && node tools/corpus/changelog-replay.mjs [--diff] [label...]
//
// Mirrors: MIRRORS (default /work/.mirror), one `<owner>+<name>/repo` bare repository each, as the
// `fetch` tool brings them (github:madesroches/micromegas, github:crate-ci/cargo-release).
// Exits 1 when a release marked `same` differs. `--diff` prints the differences of every release.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { releaseSection, keepsUnreleased, openUnreleased } = require(
  resolve(here, "../../plugins/nx-polyglot/dist/release/changelog.js"),
);
const MIRRORS = process.env.MIRRORS ?? "/work/.mirror";

// same: upstream's edit is mechanical and the roll must equal it byte for byte;
// hand: upstream also edited by hand, `why` says what (the roll is shown, not judged)
const RELEASES = [
  {
    repo: "madesroches/micromegas",
    commit: "12d3c95c25fd19785c6a7f6344c55f5b88955705",
    version: "0.22.0",
    date: "2026-03-13",
    previousTag: "v0.21.0",
    expect: "hand",
    why: "upstream stopped keeping `## Unreleased` at this release (v0.19.0-v0.21.0 kept it), so the roll keeps it where upstream renamed it",
  },
  {
    repo: "madesroches/micromegas",
    commit: "8bb8a58e261ef63045576d9cabe5f032ed003686",
    version: "0.23.0",
    date: "2026-03-26",
    previousTag: "v0.22.0",
    expect: "same",
  },
  {
    repo: "madesroches/micromegas",
    commit: "ccddab8fa4bd308659e956d6a98a29c6f1ecd9a4",
    version: "0.24.0",
    date: "2026-04-17",
    previousTag: "v0.23.0",
    expect: "hand",
    why: "upstream completed the section by hand in the release commit: PR numbers on five entries, the Docs, Repo and Dependencies entries and two Security fixes added",
  },
  {
    repo: "madesroches/micromegas",
    commit: "4c5ad33bd47ae5126f9a9e0b4c954dabcc3521c3",
    version: "0.27.0",
    date: "2026-07-12",
    previousTag: "v0.26.0",
    expect: "hand",
    why: "upstream changed its heading style from `## June 2026 - v0.26.0` to `## v0.27.0 - 2026-07-12` at this release",
  },
  {
    repo: "madesroches/micromegas",
    commit: "56de9319c0615942ca0d8b8adc7d4ac9a01e8e25",
    version: "0.28.0",
    date: "2026-08-02",
    previousTag: "v0.27.0",
    expect: "same",
  },
  {
    repo: "madesroches/micromegas",
    commit: "df2e9e73c49be4aacd7c3a68313f19e3c42a7921",
    version: "0.29.0",
    date: "2026-08-12",
    previousTag: "v0.28.0",
    expect: "same",
  },
  {
    repo: "crate-ci/cargo-release",
    commit: "7cf014fa653b9f1b12562e7ce38c68a99c05509a",
    version: "1.1.4",
    date: "2026-08-06",
    previousTag: "v1.1.3",
    expect: "same",
  },
  {
    repo: "crate-ci/cargo-release",
    commit: "dac87eabc6117dd43e93223d4e179ec663c9d954",
    version: "1.1.5",
    date: "2026-08-11",
    previousTag: "v1.1.4",
    expect: "same",
  },
];

const args = process.argv.slice(2);
const showDiff = args.includes("--diff");
const wanted = args.filter((a) => !a.startsWith("--"));

function show(repo, rev) {
  const gitDir = join(MIRRORS, repo.replace("/", "+"), "repo");
  const r = spawnSync(
    "git",
    ["--git-dir", gitDir, "show", `${rev}:CHANGELOG.md`],
    { encoding: "utf8", maxBuffer: 1 << 26 },
  );
  if (r.status !== 0)
    throw new Error(
      `git show ${rev}:CHANGELOG.md in ${gitDir}: ${r.stderr.trim()}`,
    );
  return r.stdout;
}

function diff(expected, actual) {
  const dir = mkdtempSync(join(tmpdir(), "changelog-replay-"));
  try {
    writeFileSync(join(dir, "upstream"), expected);
    writeFileSync(join(dir, "rolled"), actual);
    const r = spawnSync(
      "git",
      ["diff", "--no-index", "--stat=200", "-U1", "upstream", "rolled"],
      { cwd: dir, encoding: "utf8" },
    );
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];
let failed = false;
for (const r of RELEASES) {
  const label = `${r.repo.split("/")[1]}@${r.version}`;
  if (wanted.length && !wanted.includes(label)) continue;
  const before = show(r.repo, `${r.commit}^`);
  const after = show(r.repo, r.commit);
  const keep = keepsUnreleased(show(r.repo, r.previousTag));
  let rolled;
  try {
    rolled = releaseSection(before, r.version, r.date, {
      keepUnreleased: keep,
    });
  } catch (e) {
    rolled = `refused: ${e.message}`;
  }
  const same = rolled === after;
  const reopened = same ? openUnreleased(rolled) === rolled : undefined;
  if (r.expect === "same" && !same) failed = true;
  rows.push(
    `| ${r.repo} | ${r.commit.slice(0, 9)} | ${r.version} | ${keep ? "kept" : "renamed"} | ${same ? "byte for byte" : "differs"}${reopened === false ? " (post-release puts the unreleased heading back)" : ""} | ${r.why ?? ""} |`,
  );
  if (showDiff || (r.expect === "same" && !same))
    process.stdout.write(
      `\n## ${label}\n${same ? "(same)\n" : diff(after, rolled)}`,
    );
}
process.stdout.write(
  `\n| repository | release commit | version | unreleased heading | rolled vs upstream | upstream's hand edits |\n|---|---|---|---|---|---|\n${rows.join("\n")}\n`,
);
process.exit(failed ? 1 : 0);
