#!/usr/bin/env node
// Which members of a Cargo workspace, or packages of a uv workspace, have a
// resolved dependency closure that a commit range changes in the lock file:
// the projects a lock-only change should select (lock-affected.md).
//
//   node tools/corpus/lock-closure.mjs <git-dir> <base> <head> <lock path in the repository>...
//
// Closures are the lock file's own: every package reachable from a member
// through the lock's `dependencies` (all features, targets and dependency
// kinds the lock records), each counted with its name, version, source and
// checksum. Prints one line per lock file: changed packages, then members
// whose closure changed and members whose closure did not.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(fileURLToPath(new URL('../../plugins/nx-polyglot/package.json', import.meta.url)));
const { parse } = require('smol-toml');

const [gitDir, base, head, ...locks] = process.argv.slice(2);
if (!locks.length) {
  console.error('usage: lock-closure.mjs <git-dir> <base> <head> <lock path>...');
  process.exit(2);
}

/** name@version -> package entry, and the workspace members (packages without a source: path packages). */
function readLock(rev, path) {
  let text;
  try {
    text = execFileSync('git', ['--git-dir', gitDir, 'show', `${rev}:${path}`], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
  } catch {
    return null;
  }
  const packages = parse(text).package ?? [];
  const byName = new Map();
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const key = (p) => `${p.name}@${p.version}`;
  // Cargo.lock: "name" (one version in the lock), "name version" or "name version (source)"; uv.lock: { name, version? }
  const resolve = (dep) => {
    const [name, version] = typeof dep === 'string' ? dep.split(' ') : [dep.name, dep.version];
    const candidates = byName.get(name) ?? [];
    return version ? candidates.find((c) => c.version === version) : candidates[0];
  };
  // a locked package as compared between revisions: name, version, source, checksum (Cargo) or sdist hash (uv)
  const id = (p) => `${key(p)} ${JSON.stringify(p.source ?? '')} ${p.checksum ?? p.sdist?.hash ?? ''}`;
  const closure = (root) => {
    const seen = new Set();
    const stack = [root];
    while (stack.length) {
      const p = stack.pop();
      if (seen.has(id(p))) continue;
      seen.add(id(p));
      const groups = [p['optional-dependencies'], p['dev-dependencies']].flatMap((t) => Object.values(t ?? {}));
      for (const d of [...(p.dependencies ?? []), ...groups.flat()]) {
        const q = resolve(d);
        if (q) stack.push(q);
      }
    }
    seen.delete(id(root));
    return seen;
  };
  // uv.lock: local packages have a source table (editable/virtual/directory); Cargo.lock: no source
  const local = packages.filter(
    (p) => !p.source || (typeof p.source === 'object' && !p.source.registry && !p.source.git && !p.source.url),
  );
  return {
    members: new Map(local.map((p) => [p.name, closure(p)])),
    all: new Set(packages.map(id)),
  };
}

for (const lock of locks) {
  const before = readLock(base, lock);
  const after = readLock(head, lock);
  if (!before || !after) {
    console.log(`${lock}: not in both revisions`);
    continue;
  }
  const moved = [...after.all].filter((p) => !before.all.has(p)).map((p) => p.split(' ')[0]);
  const changed = [];
  const same = [];
  for (const [name, closure] of after.members) {
    const old = before.members.get(name);
    const equal = old && old.size === closure.size && [...closure].every((p) => old.has(p));
    (equal ? same : changed).push(name);
  }
  console.log(
    `${lock}: ${moved.length} packages moved; closure changed for ${changed.length} of ${after.members.size} members`,
  );
  console.log(`  changed: ${changed.sort().join(' ')}`);
  console.log(`  same:    ${same.sort().join(' ')}`);
}
