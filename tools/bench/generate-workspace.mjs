#!/usr/bin/env node
// Generates a polyglot Nx workspace for the scale benchmarks: a Cargo
// workspace of N crates with a realistic dependency fan-out (each crate
// depends on 0-6 earlier crates, mostly close to it, through
// `[workspace.dependencies]`, sometimes by direct `path + version`, sometimes
// as a dev-dependency), and a few Poetry packages with path dependencies on
// each other. Deterministic: the same N gives the same files.
//
//   node tools/bench/generate-workspace.mjs <dir> <crates> [--python 3] [--no-plugin]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** A small seeded PRNG (mulberry32): the same workspace on every run. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const crateName = (i) => `bench-crate-${String(i).padStart(4, '0')}`;

/** Which earlier crates crate i depends on: normal and dev. */
export function dependencies(count) {
  const rnd = random(count);
  return Array.from({ length: count }, (_, i) => {
    const normal = new Set();
    const fanOut = i === 0 ? 0 : Math.floor(rnd() * 7);
    for (let k = 0; k < fanOut; k++) {
      // mostly neighbours (a layered architecture), sometimes a core crate far below
      const far = rnd() < 0.2;
      const j = far ? Math.floor(rnd() * Math.min(i, 20)) : Math.max(0, i - 1 - Math.floor(rnd() * 30));
      if (j < i) normal.add(j);
    }
    const dev = i > 1 && rnd() < 0.3 ? [Math.floor(rnd() * i)].filter((j) => !normal.has(j)) : [];
    return { normal: [...normal].sort((a, b) => a - b), dev, direct: rnd() < 0.1 };
  });
}

export function generate(dir, count, { python = 3, plugin = true } = {}) {
  const write = (file, text) => {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  const deps = dependencies(count);
  const workspaceDeps = Array.from({ length: count }, (_, i) => `${crateName(i)} = { path = "crates/${crateName(i)}", version = "0.1.0" }`);
  write(
    'rust/Cargo.toml',
    `[workspace]\nresolver = "2"\nmembers = ["crates/*"]\n\n[workspace.package]\nversion = "0.1.0"\nedition = "2021"\nlicense = "Apache-2.0"\n\n[workspace.dependencies]\n${workspaceDeps.join('\n')}\n`,
  );
  deps.forEach(({ normal, dev, direct }, i) => {
    const line = (j) => (direct ? `${crateName(j)} = { path = "../${crateName(j)}", version = "^0.1" }` : `${crateName(j)} = { workspace = true }`);
    write(
      `rust/crates/${crateName(i)}/Cargo.toml`,
      `[package]\nname = "${crateName(i)}"\nversion.workspace = true\nedition.workspace = true\nlicense.workspace = true\n\n` +
        `[dependencies]\n${normal.map(line).join('\n')}\n\n[dev-dependencies]\n${dev.map(line).join('\n')}\n`,
    );
    write(`rust/crates/${crateName(i)}/src/lib.rs`, `pub fn id() -> usize {\n    ${i}\n}\n`);
  });
  for (let p = 0; p < python; p++) {
    const name = `bench-py-${p}`;
    const pathDeps = p === 0 ? '' : `bench-py-0 = { path = "../bench-py-0", develop = true }\n`;
    write(
      `python/${name}/pyproject.toml`,
      `[tool.poetry]\nname = "${name}"\nversion = "0.1.0"\ndescription = "benchmark package"\nauthors = ["bench <bench@localhost>"]\n\n` +
        `[tool.poetry.dependencies]\npython = "^3.10"\n${pathDeps}\n[tool.poetry.group.dev.dependencies]\npytest = "^8"\n\n` +
        `[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n`,
    );
    write(`python/${name}/${name.replaceAll('-', '_')}/__init__.py`, `ID = ${p}\n`);
  }
  write('package.json', `${JSON.stringify({ name: 'bench-workspace', private: true }, null, 2)}\n`);
  write('nx.json', `${JSON.stringify(plugin ? { plugins: ['nx-polyglot'] } : {}, null, 2)}\n`);
  write('.gitignore', 'node_modules\n.nx\nrust/target\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { python: { type: 'string', default: '3' }, 'no-plugin': { type: 'boolean', default: false } },
  });
  const [dir, count] = positionals;
  if (!dir || !Number(count)) throw new Error('usage: generate-workspace.mjs <dir> <crates> [--python N] [--no-plugin]');
  generate(dir, Number(count), { python: Number(values.python), plugin: !values['no-plugin'] });
}
