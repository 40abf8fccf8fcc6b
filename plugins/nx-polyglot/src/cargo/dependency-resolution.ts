import semver from 'semver';
import { ManifestError } from '../manifest-error';
import { cargoAdmits, cargoRange } from './cargo-requirement';
import type { CargoDependency, CargoPackage, CargoWorkspace } from './cargo-workspace';
import { survivesPublish } from './publish-plan';
import type { IndexEntry } from './sparse-index';

/**
 * Whether every third-party dependency of the crates a run uploads will
 * resolve when `cargo publish` packages them: cargo resolves the packaged
 * manifest (normal, build and versioned dev-dependencies, optional and
 * target-specific ones included) against the registry index, so a
 * requirement no published, non-yanked version meets stops the upload of
 * that crate half-way through the run. Asked before the first upload, and in
 * the dry run. Pure over index lookups; the crates of the repository itself
 * are left to the publish plan (they are published by the run, or already).
 */

/** One dependency cargo will look up in a registry index. */
export interface RegistryDependency {
  crate: CargoPackage;
  dep: CargoDependency;
  /** The manifest and key that hold the requirement: the workspace root's for `{ workspace = true }`. */
  file: string;
  key: string;
}

/** A registry index to ask: `null` is crates.io (as cargo sees it in this run), else a registry's name. */
export type IndexName = string | null;

/** The dependencies of `crates` cargo resolves from a registry, i.e. all that stay in the packaged manifest but the repository's own crates. */
export function registryDependencies(
  crates: ReadonlyArray<{ crate: CargoPackage; workspace: CargoWorkspace }>,
  isOurs: (crate: string) => boolean,
): RegistryDependency[] {
  return crates.flatMap(({ crate, workspace }) =>
    crate.dependencies
      // a path dependency without a version is a blocker of the publish plan already
      .filter((dep) => survivesPublish(dep) && !isOurs(dep.name) && !(dep.path !== null && dep.req === null))
      .map((dep) => {
        const name = dep.keyPath[dep.keyPath.length - 1];
        return dep.inherited
          ? { crate, dep, file: workspace.rootManifest, key: `workspace.dependencies.${name}` }
          : { crate, dep, file: crate.manifestPath, key: dep.manifestKey };
      }),
  );
}

export function indexOf(dep: CargoDependency): IndexName {
  return dep.registry ?? null;
}

/** Each dependency whose requirement no non-yanked version in its index meets, as an error on the manifest that holds it. */
export function unresolvableDependencies(
  deps: readonly RegistryDependency[],
  versionsOf: (index: IndexName, crate: string) => readonly IndexEntry[],
  indexLabel: (index: IndexName) => string,
): ManifestError[] {
  const problems: ManifestError[] = [];
  for (const { crate, dep, file, key } of deps) {
    const where = indexLabel(indexOf(dep));
    const who = `${crate.name} (to be published) depends on ${dep.name}`;
    if (dep.req === null) {
      problems.push(
        new ManifestError(
          file,
          `${who} (git) without a version requirement, which cargo refuses to publish`,
          `Add the version to use from ${where}, e.g. version = "1"`,
          key,
        ),
      );
      continue;
    }
    if (semver.validRange(cargoRange(dep.req)) === null) {
      problems.push(
        new ManifestError(
          file,
          `${who} = "${dep.req}", not a version requirement cargo reads`,
          'Write it as "1.2"',
          key,
        ),
      );
      continue;
    }
    const entries = versionsOf(indexOf(dep), dep.name);
    const usable = entries.filter((e) => !e.yanked);
    if (usable.some((e) => cargoAdmits(dep.req!, e.vers))) continue;
    const newest = semver.rsort(usable.map((e) => e.vers).filter((v) => semver.valid(v)))[0];
    const yankedMatch = entries.filter((e) => e.yanked && cargoAdmits(dep.req!, e.vers)).map((e) => e.vers);
    const found =
      entries.length === 0
        ? `${where} has no crate named ${dep.name}`
        : `no version of ${dep.name} in ${where} matches it${yankedMatch.length > 0 ? ` (${yankedMatch.join(', ')} yanked)` : ''}${newest ? `; the newest is ${newest}` : ''}`;
    const fix =
      entries.length === 0
        ? `Check the name, or publish ${dep.name} to ${where} first`
        : `Change the requirement to one ${where} has${newest ? ` (e.g. "${newest}")` : ''}, or publish a matching ${dep.name} there first`;
    problems.push(new ManifestError(file, `${who} = "${dep.req}": ${found}`, fix, key));
  }
  return problems;
}

/**
 * The index lookups of `deps` (each crate once per index, a few at a time),
 * then the pure check. Lookup failures (a registry down) are thrown, as the
 * publish client's are.
 */
export async function checkDependencyResolution(
  deps: readonly RegistryDependency[],
  lookup: (index: IndexName, crate: string) => Promise<IndexEntry[]>,
  indexLabel: (index: IndexName) => string,
  concurrency = 8,
): Promise<ManifestError[]> {
  const keyOf = (index: IndexName, crate: string) => `${index ?? ''}\0${crate}`;
  const wanted = new Map<string, { index: IndexName; crate: string }>();
  for (const { dep } of deps)
    if (dep.req !== null) wanted.set(keyOf(indexOf(dep), dep.name), { index: indexOf(dep), crate: dep.name });
  const found = new Map<string, IndexEntry[]>();
  const queue = [...wanted];
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [key, { index, crate }] = next;
        found.set(key, await lookup(index, crate));
      }
    }),
  );
  return unresolvableDependencies(deps, (index, crate) => found.get(keyOf(index, crate)) ?? [], indexLabel);
}

/** The message of a run stopped by unresolvable dependencies (files relative to `root`). */
export function resolutionReport(problems: readonly ManifestError[], relativeTo: (file: string) => string): string {
  const lines = problems.map((p) => `  - ${relativeTo(p.file)}: \`${p.key}\`: ${p.problem}. ${p.fix}.`);
  return `Nothing was published: ${problems.length} dependenc${problems.length === 1 ? 'y' : 'ies'} would not resolve when cargo packages the crates:\n${lines.join('\n')}\n`;
}
