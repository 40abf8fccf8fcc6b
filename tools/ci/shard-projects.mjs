#!/usr/bin/env node
// Splits the projects that have any of the given targets into N shards for a
// CI matrix, one JSON array on stdout:
//   [{"shard":1,"projects":"a,c","exclude":"b,d"}, …]
// `projects` for `nx run-many --projects`, `exclude` (the other shards') for
// `nx affected --exclude`, which has no --projects.
// With --affected, only the affected ones (Nx reads NX_BASE/NX_HEAD, which
// nrwl/nx-set-shas exports). Empty shards are left out, so an unaffected
// change yields [] and the matrix job can be skipped.
//
//   node tools/ci/shard-projects.mjs --shards 3 --targets test,lint,format [--affected]
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** Round-robin over the sorted names: shard sizes differ by one at most, and a name always lands in the same shard for the same list. */
export function shard(projects, count) {
  const sorted = [...projects].sort();
  const shards = Array.from({ length: count }, () => []);
  sorted.forEach((p, i) => shards[i % count].push(p));
  return shards
    .filter((list) => list.length > 0)
    .map((list, i) => ({ shard: i + 1, projects: list.join(','), exclude: sorted.filter((p) => !list.includes(p)).join(',') }));
}

function projectsWith(target, affected) {
  const args = ['nx', 'show', 'projects', '--json', '-t', target, ...(affected ? ['--affected'] : [])];
  return JSON.parse(execFileSync('npx', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { shards: { type: 'string', default: '1' }, targets: { type: 'string' }, affected: { type: 'boolean', default: false } },
  });
  const count = Number(values.shards);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--shards must be a positive integer, not "${values.shards}".`);
  if (!values.targets) throw new Error('--targets is required (comma-separated, e.g. test,lint,format).');
  const projects = new Set(values.targets.split(',').flatMap((t) => projectsWith(t.trim(), values.affected)));
  process.stdout.write(`${JSON.stringify(shard(projects, count))}\n`);
}
