import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CargoPackage } from './cargo-workspace';

/** What a crate builds, with cargo's target auto-discovery (src/lib.rs, src/main.rs, src/bin/). */
export interface CrateBinaries {
  lib: boolean;
  bins: string[];
  /** The binary `cargo run -p <crate>` runs, when cargo can tell (one binary, or `default-run`). */
  runs: string | null;
}

export function crateBinaries(pkg: CargoPackage, exists = existsSync, list = listDir): CrateBinaries {
  const dir = dirname(pkg.manifestPath);
  const { lib, bins = [], defaultRun, autolib, autobins } = pkg.declaredTargets ?? {};
  const all = new Set(bins);
  if (autobins !== false) {
    if (exists(join(dir, 'src', 'main.rs'))) all.add(pkg.name);
    for (const entry of list(join(dir, 'src', 'bin'))) {
      if (entry.endsWith('.rs')) all.add(entry.slice(0, -3));
      else if (exists(join(dir, 'src', 'bin', entry, 'main.rs'))) all.add(entry);
    }
  }
  const names = [...all].sort();
  const runs = defaultRun && all.has(defaultRun) ? defaultRun : names.length === 1 ? names[0] : null;
  return { lib: lib === true || (autolib !== false && exists(join(dir, 'src', 'lib.rs'))), bins: names, runs };
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
