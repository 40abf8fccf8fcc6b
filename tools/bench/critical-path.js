#!/usr/bin/env node
// Prints the crates' critical path of a publish run: the heaviest chain of
// "must be published before" constraints, weighted by each crate's measured
// publish seconds (from NX_POLYGLOT_PUBLISH_LOG). Also prints the plain sum.
// Usage: node tools/bench/critical-path.js <publish-log> <cargo-workspace-manifest>
const { readPublishLog } = require('nx-polyglot/dist/publish/publish-log.js');
const { ManifestCache, subdirectories } = require('nx-polyglot/dist/manifest-cache.js');
const { parseCargoManifest } = require('nx-polyglot/dist/cargo/cargo-manifest.js');
const { loadCargoWorkspaces } = require('nx-polyglot/dist/cargo/cargo-workspace.js');
const { publishConstraints } = require('nx-polyglot/dist/cargo/publish-plan.js');
const { resolve } = require('node:path');

const [logFile, manifest] = process.argv.slice(2);
const seconds = new Map(readPublishLog(logFile).filter((r) => r.ecosystem === 'cargo').map((r) => [r.name, r.seconds]));
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
console.log(`${critical.toFixed(2)} ${sum.toFixed(2)}`);
