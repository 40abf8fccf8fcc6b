#!/usr/bin/env node
// Generates a polyglot Nx workspace for the graph benchmark whose shape we did
// not tune: the Cargo workspace's figures come from real workspaces
// (cargo-shape.json, measured by cargo-shape.mjs on bevy, wasmtime, nushell
// and rust-analyzer): internal dependencies per crate, the share of crates
// without any, the share with a dev-dependency on another member, how many
// crates write their internal dependencies `{ workspace = true }`, and how
// deep members sit (most at crates/<name>, derive-style crates nested inside
// the crate that uses them at crates/<name>/macros, a few three levels down
// at tools/<group>/<kind>/<name>). Beside it: Python packages (Poetry and
// PEP 621 + uv, with path dependencies) and a package.json web app. The Cargo
// workspace sits at the root, where every Cargo plugin looks for it.
// No crates.io dependencies: the workspace resolves offline, so no column
// waits on the network. Deterministic: the same count and seed give the same
// files.
//
//   node tools/bench/generate-workspace.mjs <dir> <crates> [--seed 1] [--python 4]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const facts = JSON.parse(readFileSync(join(import.meta.dirname, 'cargo-shape.json'), 'utf8')).pooled;
const byDepth = (predicate) =>
  Object.entries(facts.membersByDepth)
    .filter(([depth]) => predicate(Number(depth)))
    .reduce((sum, [, n]) => sum + n, 0) / facts.crates;
/** The shape drawn from; each figure is what the four real workspaces have together. */
export const shape = {
  internalDependenciesPerCrate: facts.internalDependenciesPerCrate,
  shareWithoutInternalDependencies: facts.shareWithoutInternalDependencies,
  shareWithInternalDevDependency: facts.shareWithInternalDevDependency,
  shareViaWorkspaceDependencies: facts.shareOfInternalEntriesViaWorkspaceDependencies,
  shareNested: byDepth((d) => d === 3),
  shareDeep: byDepth((d) => d >= 4),
};

/** A small seeded PRNG (mulberry32): the same workspace on every run. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const crateName = (i) => `bench-crate-${String(i).padStart(4, '0')}`;

/**
 * The crates: where each lives, what it depends on (always earlier crates, so
 * the graph is a DAG as Cargo requires for normal dependencies) and how it
 * writes that. A nested crate i lives inside crate i+1's directory, which
 * depends on it (as bevy_ecs on bevy_ecs/macros).
 */
export function plan(count, seed = 1) {
  const rnd = random(seed * 1_000_003 + count);
  // Non-leaf crates get 1 + a geometric number of dependencies, so the mean over
  // all crates is the measured one; the long tail is the real workspaces' hubs.
  const meanNonLeaf = shape.internalDependenciesPerCrate / (1 - shape.shareWithoutInternalDependencies);
  const p = 1 / meanNonLeaf;
  const geometric = () => Math.floor(Math.log(1 - rnd()) / Math.log(1 - p));
  const cores = Math.max(1, Math.round(count * 0.05));
  const pick = (i) =>
    rnd() < 0.3 ? Math.floor(rnd() * Math.min(i, cores)) : Math.max(0, i - 1 - Math.floor(rnd() * 50));
  const crates = [];
  for (let i = 0; i < count; i++) {
    const normal = new Set();
    if (crates[i - 1]?.nestedIn === i) normal.add(i - 1);
    if (i > 0 && rnd() >= shape.shareWithoutInternalDependencies) {
      const wanted = Math.min(i, 1 + geometric());
      for (let tries = 0; normal.size < wanted && tries < 4 * wanted; tries++) normal.add(pick(i));
    }
    const dev = new Set();
    if (i > 1 && rnd() < shape.shareWithInternalDevDependency) {
      for (let k = rnd() < 0.3 ? 2 : 1; k > 0; k--) {
        const j = Math.floor(rnd() * i);
        if (!normal.has(j)) dev.add(j);
      }
    }
    const r = rnd();
    const nestedIn = i + 1 < count && crates[i - 1]?.nestedIn !== i && r < shape.shareNested ? i + 1 : undefined;
    const deep = nestedIn === undefined && crates[i - 1]?.nestedIn !== i && r > 1 - shape.shareDeep;
    crates.push({
      name: crateName(i),
      nestedIn,
      dir: undefined,
      deep,
      normal: [...normal].sort((a, b) => a - b),
      dev: [...dev].sort((a, b) => a - b),
      viaWorkspace: rnd() < shape.shareViaWorkspaceDependencies,
    });
  }
  crates.forEach((c, i) => {
    if (c.nestedIn !== undefined) c.dir = `crates/${crateName(c.nestedIn)}/macros`;
    else if (c.deep) c.dir = `tools/group-${i % 3}/kind-${i % 2}/${c.name}`;
    else c.dir = `crates/${c.name}`;
  });
  return crates;
}

/** Internal dependencies per crate and the other shares, as generated (small workspaces fall short of the mean: early crates have few crates to depend on). */
export function realised(crates) {
  const n = crates.length;
  return {
    internalDependenciesPerCrate: crates.reduce((s, c) => s + c.normal.length, 0) / n,
    shareWithInternalDevDependency: crates.filter((c) => c.dev.length > 0).length / n,
  };
}

export function generate(dir, count, { seed = 1, python = 4 } = {}) {
  const write = (file, text) => {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  const crates = plan(count, seed);
  const workspaceDeps = crates.map((c) => `${c.name} = { path = "${c.dir}", version = "0.1.0" }`);
  write(
    'Cargo.toml',
    `[workspace]\nresolver = "2"\nmembers = ["crates/*", "crates/*/macros", "tools/*/*/*"]\n\n` +
      `[workspace.package]\nversion = "0.1.0"\nedition = "2021"\nlicense = "Apache-2.0"\n\n` +
      `[workspace.dependencies]\n${workspaceDeps.join('\n')}\n`,
  );
  for (const c of crates) {
    const line = (j) =>
      c.viaWorkspace
        ? `${crates[j].name} = { workspace = true }`
        : `${crates[j].name} = { path = "${posix.relative(c.dir, crates[j].dir)}", version = "0.1.0" }`;
    write(
      `${c.dir}/Cargo.toml`,
      `[package]\nname = "${c.name}"\nversion.workspace = true\nedition.workspace = true\nlicense.workspace = true\n\n` +
        `[dependencies]\n${c.normal.map(line).join('\n')}\n\n[dev-dependencies]\n${c.dev.map(line).join('\n')}\n`,
    );
    write(`${c.dir}/src/lib.rs`, `pub fn id() -> &'static str {\n    "${c.name}"\n}\n`);
  }
  // Python: Poetry and PEP 621 + uv packages alternating, each after the first
  // depending on the one before it by path.
  for (let p = 0; p < python; p++) {
    const name = `bench-py-${p}`;
    const module = name.replaceAll('-', '_');
    const previous = `bench-py-${p - 1}`;
    const text =
      p % 2 === 0
        ? `[tool.poetry]\nname = "${name}"\nversion = "0.1.0"\ndescription = "benchmark package"\nauthors = ["bench <bench@localhost>"]\n\n` +
          `[tool.poetry.dependencies]\npython = "^3.10"\n${p === 0 ? '' : `${previous} = { path = "../${previous}", develop = true }\n`}\n` +
          `[tool.poetry.group.dev.dependencies]\npytest = "^8"\n\n[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n`
        : `[project]\nname = "${name}"\nversion = "0.1.0"\nrequires-python = ">=3.10"\ndependencies = ["${previous}"]\n\n` +
          `[dependency-groups]\ndev = ["pytest>=8"]\n\n[tool.uv.sources]\n${previous} = { path = "../${previous}", editable = true }\n\n` +
          `[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n`;
    write(`python/${name}/pyproject.toml`, text);
    write(`python/${name}/${module}/__init__.py`, `ID = ${p}\n`);
  }
  write(
    'package.json',
    `${JSON.stringify({ name: 'bench-workspace', private: true, workspaces: ['apps/*'] }, null, 2)}\n`,
  );
  write(
    'apps/web/package.json',
    `${JSON.stringify({ name: 'bench-web', version: '0.1.0', private: true, scripts: { build: 'node build.js', test: 'node --test' } }, null, 2)}\n`,
  );
  write('apps/web/build.js', "console.log('built');\n");
  write('nx.json', '{}\n');
  write('.gitignore', 'node_modules\n.nx\ntarget\n');
  return crates;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { python: { type: 'string', default: '4' }, seed: { type: 'string', default: '1' } },
  });
  const [dir, count] = positionals;
  if (!dir || !Number(count)) throw new Error('usage: generate-workspace.mjs <dir> <crates> [--seed N] [--python N]');
  const crates = generate(dir, Number(count), { seed: Number(values.seed), python: Number(values.python) });
  console.log(JSON.stringify(realised(crates)));
}
