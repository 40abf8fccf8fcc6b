import { ManifestError } from '../manifest-error';
import { CargoDependency, CargoPackage, CargoWorkspace, memberForDependency } from './cargo-workspace';

/**
 * What publishing a Cargo workspace needs, as pure functions over the model:
 * which crates go to a registry, which must be there before which, and what
 * would make `cargo publish` fail half-way.
 */

/** Whether a crate may be published to `registry` (`publish = false` is []). */
export function isPublishable(pkg: CargoPackage, registry: string): boolean {
  return pkg.publish === null || pkg.publish.includes(registry);
}

/**
 * Whether the dependency stays in the manifest cargo uploads. Cargo strips
 * dev-dependencies that have no version (path-only ones), so those neither
 * order the publish nor need to be in the registry; everything else does.
 */
export function survivesPublish(dep: CargoDependency): boolean {
  return dep.kind !== 'dev' || dep.req !== null;
}

/** Publishable crate -> the workspace crates that must be in the registry before it. */
export function publishConstraints(ws: CargoWorkspace, registry: string): Map<string, string[]> {
  const constraints = new Map<string, string[]>();
  for (const pkg of ws.members.filter((p) => isPublishable(p, registry))) {
    const before = pkg.dependencies
      .filter(survivesPublish)
      .map((dep) => memberForDependency(dep, ws.members))
      .filter((m): m is CargoPackage => m !== undefined && m !== pkg && isPublishable(m, registry))
      .map((m) => m.name);
    constraints.set(pkg.name, [...new Set(before)].sort());
  }
  return constraints;
}

/**
 * Everything that would stop `cargo publish` of a publishable crate: a kept
 * path dependency without a version (cargo cannot point the uploaded manifest
 * at a registry version), and a kept dependency on a crate that cannot be in
 * that registry.
 */
export function publishBlockers(ws: CargoWorkspace, registry: string): ManifestError[] {
  const blockers: ManifestError[] = [];
  for (const pkg of ws.members.filter((p) => isPublishable(p, registry))) {
    for (const dep of pkg.dependencies.filter(survivesPublish)) {
      const target = memberForDependency(dep, ws.members);
      if (dep.path !== null && dep.req === null) {
        blockers.push(
          new ManifestError(
            pkg.manifestPath,
            `${pkg.name} is published, but this path dependency has no version, so cargo cannot publish it`,
            `Add version = "${target?.version ?? '<version>'}" beside path, or make ${pkg.name} publish = false`,
            dep.manifestKey,
          ),
        );
      } else if (target && !isPublishable(target, registry)) {
        blockers.push(
          new ManifestError(
            pkg.manifestPath,
            `${pkg.name} is published to \`${registry}\`, but depends on ${target.name}, which ${target.publish?.length ? `may only go to ${target.publish.join(', ')}` : 'is publish = false'}`,
            `Make ${target.name} publishable to \`${registry}\`, make ${pkg.name} publish = false, or drop the dependency`,
            dep.manifestKey,
          ),
        );
      }
    }
  }
  return blockers;
}

/** Topological levels: each wave only needs crates of earlier waves. */
export function publishWaves(constraints: Map<string, string[]>): string[][] {
  const waves: string[][] = [];
  const placed = new Set<string>();
  let pending = [...constraints.keys()];
  while (pending.length > 0) {
    const wave = pending
      .filter((c) => (constraints.get(c) ?? []).every((d) => placed.has(d) || !constraints.has(d)))
      .sort();
    if (wave.length === 0) {
      throw new Error(
        `These crates depend on each other in a cycle cargo cannot publish: ${pending.sort().join(', ')}`,
      );
    }
    wave.forEach((c) => placed.add(c));
    waves.push(wave);
    pending = pending.filter((c) => !placed.has(c));
  }
  return waves;
}

/** A registry's burst allowance for new versions and new crates. */
export interface RateLimit {
  newVersionsBurst: number;
  newCratesBurst: number;
}

/** crates.io: a burst of 30 new versions (then 1 a minute), 5 new crates (then 1 every 10 minutes). */
export const CRATES_IO_RATE_LIMIT: RateLimit = { newVersionsBurst: 30, newCratesBurst: 5 };

/** Why uploading this many new versions / new crates at once would hit the registry's limit, if it would. */
export function rateLimitProblem(
  newVersions: number,
  newCrates: number,
  limit: RateLimit,
  registry: string,
): string | undefined {
  if (newVersions <= limit.newVersionsBurst && newCrates <= limit.newCratesBurst) return undefined;
  return (
    `the plan uploads ${newVersions} new versions (${newCrates} of them new crates), over the burst \`${registry}\` allows ` +
    `(${limit.newVersionsBurst} versions, ${limit.newCratesBurst} new crates). Publish in several runs (--projects), or set publish.cargo.rateLimit to false if the registry allows more`
  );
}
