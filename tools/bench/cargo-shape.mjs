#!/usr/bin/env node
// Measures the shape of real Cargo workspaces, so that the benchmark's
// generator (generate-workspace.mjs) copies a shape we did not choose:
// internal dependencies per crate, the share of crates with a dev-dependency
// on another member, how deep members sit below the root, and how often an
// internal dependency is written `{ workspace = true }`. Reads
// `cargo metadata --no-deps` (what Cargo itself says the members and their
// path dependencies are) and each member's Cargo.toml (metadata does not say
// how a dependency was written). Prints one JSON object per checkout; the
// figures, with repository and commit, are kept in cargo-shape.json, the
// checkouts are not.
//
//   node tools/bench/cargo-shape.mjs <checkout>...   (each a git work tree of a Cargo workspace)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import { parse } from 'smol-toml';

/** The dependency tables of one manifest, target-specific ones included. */
function dependencyTables(manifest) {
  const tables = [];
  const add = (owner) => {
    for (const key of ['dependencies', 'dev-dependencies', 'build-dependencies'])
      if (owner[key]) tables.push(owner[key]);
  };
  add(manifest);
  for (const target of Object.values(manifest.target ?? {})) add(target);
  return tables;
}

export function shape(checkout) {
  const metadata = JSON.parse(
    execFileSync('cargo', ['metadata', '--no-deps', '--format-version', '1', '--offline'], {
      cwd: checkout,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    }),
  );
  const members = new Set(metadata.workspace_members);
  const packages = metadata.packages.filter((p) => members.has(p.id));
  const names = new Set(packages.map((p) => p.name));
  let normal = 0;
  let withDev = 0;
  let leaves = 0;
  let internalEntries = 0;
  let viaWorkspace = 0;
  const depths = {};
  for (const p of packages) {
    const internal = p.dependencies.filter((d) => d.path && names.has(d.name) && d.name !== p.name);
    const normalTargets = new Set(internal.filter((d) => d.kind !== 'dev').map((d) => d.name));
    const devTargets = new Set(
      internal.filter((d) => d.kind === 'dev' && !normalTargets.has(d.name)).map((d) => d.name),
    );
    normal += normalTargets.size;
    if (devTargets.size > 0) withDev++;
    if (normalTargets.size === 0) leaves++;
    const depth = relative(metadata.workspace_root, dirname(p.manifest_path)).split(sep).filter(Boolean).length;
    depths[depth] = (depths[depth] ?? 0) + 1;
    const manifest = parse(readFileSync(p.manifest_path, 'utf8'));
    for (const table of dependencyTables(manifest)) {
      for (const [key, spec] of Object.entries(table)) {
        const name = (typeof spec === 'object' && spec.package) || key;
        if (!names.has(name) || name === p.name) continue;
        internalEntries++;
        if (typeof spec === 'object' && spec.workspace === true) viaWorkspace++;
      }
    }
  }
  const round = (x, digits = 2) => Number(x.toFixed(digits));
  return {
    crates: packages.length,
    counts: {
      internalDependencies: normal,
      cratesWithInternalDevDependency: withDev,
      cratesWithoutInternalDependencies: leaves,
      internalEntries,
      internalEntriesViaWorkspace: viaWorkspace,
    },
    internalDependenciesPerCrate: round(normal / packages.length),
    shareWithInternalDevDependency: round(withDev / packages.length),
    shareWithoutInternalDependencies: round(leaves / packages.length),
    shareOfInternalEntriesViaWorkspaceDependencies: round(viaWorkspace / Math.max(1, internalEntries)),
    membersByDepth: depths,
  };
}

const checkouts = process.argv.slice(2);
if (checkouts.length === 0) throw new Error('usage: cargo-shape.mjs <checkout>...');
for (const checkout of checkouts) {
  let commit = null; // a generated workspace has none
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: checkout,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {}
  console.log(JSON.stringify({ checkout, commit, ...shape(checkout) }));
}
