#!/usr/bin/env node
// Prints the crates' critical path of a publish run: the heaviest chain of
// "must be published before" constraints, weighted by each crate's measured
// publish seconds (from NX_POLYGLOT_PUBLISH_LOG), then the plain sum, and the
// run's span (first start to last end, from the same log).
// With --detail, also a table of each crate on a timeline: when it started
// and ended (seconds from the first start), and how long it waited after the
// last crate it needs had ended (the scheduler's or Nx's delay, not cargo's).
// Usage: node tools/bench/critical-path.js <publish-log> <cargo-workspace-manifest> [--detail]
const { readPublishLog } = require('nx-polyglot/dist/publish/publish-log.js');
const { ManifestCache, subdirectories } = require('nx-polyglot/dist/manifest-cache.js');
const { parseCargoManifest } = require('nx-polyglot/dist/cargo/cargo-manifest.js');
const { loadCargoWorkspaces } = require('nx-polyglot/dist/cargo/cargo-workspace.js');
const { publishConstraints } = require('nx-polyglot/dist/cargo/publish-plan.js');
const { resolve } = require('node:path');

const [logFile, manifest, detail] = process.argv.slice(2);
const records = readPublishLog(logFile).filter((r) => r.ecosystem === 'cargo');
const seconds = new Map(records.map((r) => [r.name, r.seconds]));
const cache = new ManifestCache(parseCargoManifest);
const [ws] = loadCargoWorkspaces([resolve(manifest)], { manifest: (f) => cache.get(f), subdirectories });
const constraints = publishConstraints(ws, 'local');
const memo = new Map();
const finish = (crate) => {
  if (!memo.has(crate)) memo.set(crate, (seconds.get(crate) ?? 0) + Math.max(0, ...(constraints.get(crate) ?? []).map(finish)));
  return memo.get(crate);
};
const critical = Math.max(...[...constraints.keys()].map(finish));
const sum = [...seconds.values()].reduce((a, b) => a + b, 0);
// a record is written when its publish ends: end = visibleAt when known, start = end - seconds
const ends = new Map(records.map((r) => [r.name, r.visibleAt ?? 0]));
const timed = records.filter((r) => r.visibleAt);
const t0 = Math.min(...timed.map((r) => r.visibleAt - r.seconds * 1000));
const span = timed.length ? (Math.max(...timed.map((r) => r.visibleAt)) - t0) / 1000 : 0;
console.log(`${critical.toFixed(2)} ${sum.toFixed(2)} ${span.toFixed(2)}`);
if (detail === '--detail') {
  const rows = timed
    .map((r) => {
      const start = r.visibleAt - r.seconds * 1000;
      const depsEnd = Math.max(t0, ...(constraints.get(r.name) ?? []).map((d) => ends.get(d) ?? t0));
      return { r, start, waited: Math.max(0, start - depsEnd) };
    })
    .sort((a, b) => a.start - b.start);
  console.error('| crate | start s | end s | seconds | waited after its dependencies s |');
  console.error('|---|---|---|---|---|');
  const s = (ms) => (ms / 1000).toFixed(2);
  for (const { r, start, waited } of rows)
    console.error(`| ${r.name} | ${s(start - t0)} | ${s(r.visibleAt - t0)} | ${r.seconds.toFixed(2)} | ${s(waited)} |`);
}
