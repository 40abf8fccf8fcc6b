#!/usr/bin/env node
// Prints the release summary from the publish log the nx-polyglot publish
// executors append to (NX_POLYGLOT_PUBLISH_LOG): one row per package.
// Usage: node tools/publish-summary.js <log-file>
const { readPublishLog } = require('nx-polyglot/dist/publish-log.js');

const records = readPublishLog(process.argv[2]);
if (records.length === 0) {
  console.error('publish-summary: the publish log is empty: nothing was published or checked');
  process.exit(1);
}
// the last word on each package wins (a rerun after a failure appends)
const latest = new Map(records.map((r) => [`${r.ecosystem}:${r.name}`, r]));
// every registry said one way: its URL (from the variables the tools read), the name only when no URL is set
const envName = (name) => name.toUpperCase().replace(/[-.]/g, '_');
const registryUrl = (r) => {
  if (r.ecosystem === 'cargo') return process.env[`CARGO_REGISTRIES_${envName(r.registry)}_INDEX`]?.replace(/^sparse\+/, '') ?? r.registry;
  if (r.ecosystem === 'python') return process.env[`POETRY_REPOSITORIES_${envName(r.registry)}_URL`] ?? r.registry;
  return /^https?:/.test(r.registry) ? r.registry : (process.env[r.registry] ?? r.registry);
};
const rows = [...latest.values()].map((r) => [r.project, r.version, registryUrl(r), r.status + (r.detail && r.status !== 'skipped' ? ` (${r.detail})` : ''), r.seconds.toFixed(1)]);
const header = ['project', 'version', 'registry', 'result', 'seconds'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) => cells.map((c, i) => (i === 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
rows.forEach((row) => console.log(line(row)));
const count = (status) => rows.filter((r) => r[3].startsWith(status)).length;
console.log(`\n${count('published')} published, ${count('skipped')} skipped, ${count('failed')} failed`);
process.exit(count('failed') > 0 ? 1 : 0);
