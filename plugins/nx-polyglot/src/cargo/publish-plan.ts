import { relative } from 'node:path';
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
 * The crates a publish of `crates` touches: those crates and, through the
 * constraints, every publishable crate they need in the registry. Only these
 * are checked for blockers: a crate the user did not ask to publish (an
 * excluded server) cannot stop the run.
 */
export function publishScope(constraints: Map<string, string[]>, crates: Iterable<string>): Set<string> {
  const scope = new Set<string>();
  const visit = (c: string) => {
    if (scope.has(c)) return;
    scope.add(c);
    for (const d of constraints.get(c) ?? []) visit(d);
  };
  for (const c of crates) visit(c);
  return scope;
}

/**
 * Several Cargo roots planned as one: a standalone crate (excluded from the
 * workspace) that depends by path on the workspace's crates is ordered after
 * them. Each member keeps its own manifest, so blockers still name the file
 * to change.
 */
export function asOneWorkspace(workspaces: CargoWorkspace[]): CargoWorkspace {
  if (workspaces.length === 1) return workspaces[0];
  return { rootManifest: workspaces[0].rootManifest, members: workspaces.flatMap((w) => w.members) };
}

/** A publish task of a batch: the crate and the root manifest of the Cargo workspace it is published from. */
export interface CrateTask {
  id: string;
  crate: string;
  rootManifest: string;
}

/**
 * Each task's crate, looked up in its own Cargo root (a batch may span the
 * workspace and standalone crates beside it); a task whose crate is not in
 * its root is an error naming both.
 */
export function cratesOfTasks(workspaces: CargoWorkspace[], tasks: CrateTask[]): Map<string, CargoPackage> {
  const byRoot = new Map(workspaces.map((w) => [w.rootManifest, w]));
  return new Map(
    tasks.map((t) => {
      const pkg = byRoot.get(t.rootManifest)?.members.find((m) => m.name === t.crate);
      if (!pkg) {
        throw new ManifestError(
          t.rootManifest,
          `the publish task ${t.id} publishes ${t.crate}, which is not a package of this Cargo workspace`,
          "Point the task's cwd at the Cargo workspace that holds the crate",
        );
      }
      return [t.id, pkg];
    }),
  );
}

/**
 * Everything that would stop `cargo publish` of a publishable crate: a kept
 * path dependency without a version (cargo cannot point the uploaded manifest
 * at a registry version), and a kept dependency on a crate that cannot be in
 * that registry. Every crate hit is named, each in its own manifest, so one
 * run shows the whole list: seven servers inheriting one version-less
 * `[workspace.dependencies]` entry are seven lines, each with both fixes (the
 * shared entry, or that crate's `publish = false`), not one line per round.
 * With `crates`, only those crates and what they need are checked. Paths in
 * the messages are relative to `nxRoot` when given.
 */
export function publishBlockers(
  workspaces: CargoWorkspace | CargoWorkspace[],
  registry: string,
  crates?: Iterable<string>,
  nxRoot?: string,
): ManifestError[] {
  const roots = Array.isArray(workspaces) ? workspaces : [workspaces];
  const ws = asOneWorkspace(roots);
  const rootOf = new Map(roots.flatMap((r) => r.members.map((m) => [m, r.rootManifest] as const)));
  const scope = crates ? publishScope(publishConstraints(ws, registry), crates) : undefined;
  const show = (file: string) => (nxRoot === undefined ? file : relative(nxRoot, file));
  const published = ws.members.filter((p) => isPublishable(p, registry) && (!scope || scope.has(p.name)));
  // how many published crates inherit each version-less entry: its fix is one edit for all of them
  const sharedEntry = (pkg: CargoPackage, dep: CargoDependency) =>
    `${rootOf.get(pkg) ?? ws.rootManifest}\0${dep.keyPath[dep.keyPath.length - 1]}`;
  const inheritors = new Map<string, Set<string>>();
  for (const pkg of published)
    for (const dep of pkg.dependencies.filter(
      (d) => survivesPublish(d) && d.inherited && d.path !== null && d.req === null,
    )) {
      const entry = sharedEntry(pkg, dep);
      inheritors.set(entry, (inheritors.get(entry) ?? new Set()).add(pkg.name));
    }
  const blockers: ManifestError[] = [];
  for (const pkg of published) {
    const optOut = `set publish = false in ${show(pkg.manifestPath)} ([package])`;
    for (const dep of pkg.dependencies.filter(survivesPublish)) {
      const target = memberForDependency(dep, ws.members);
      const version = `version = "${target?.version ?? '<version>'}"`;
      if (dep.path !== null && dep.req === null && dep.inherited) {
        const rootManifest = show(rootOf.get(pkg) ?? ws.rootManifest);
        const entry = `workspace.dependencies.${dep.keyPath[dep.keyPath.length - 1]}`;
        const sharers = inheritors.get(sharedEntry(pkg, dep))?.size ?? 1;
        blockers.push(
          new ManifestError(
            pkg.manifestPath,
            `${pkg.name} is published, but this dependency inherits \`${entry}\` of ${rootManifest}, a path dependency with no version, so cargo cannot publish it`,
            `Add ${version} beside path in \`${entry}\` of ${rootManifest}${sharers > 1 ? ` (one edit for all ${sharers} published crates that inherit it)` : ''}, or ${optOut}`,
            dep.manifestKey,
          ),
        );
      } else if (dep.path !== null && dep.req === null) {
        blockers.push(
          new ManifestError(
            pkg.manifestPath,
            `${pkg.name} is published, but this path dependency has no version, so cargo cannot publish it`,
            `Add ${version} beside path, or ${optOut}`,
            dep.manifestKey,
          ),
        );
      } else if (target && !isPublishable(target, registry)) {
        blockers.push(
          new ManifestError(
            pkg.manifestPath,
            `${pkg.name} is published to \`${registry}\`, but depends on ${target.name}, which ${target.publish?.length ? `may only go to ${target.publish.join(', ')}` : 'is publish = false'}`,
            `Make ${target.name} publishable to \`${registry}\`, ${optOut}, or drop the dependency`,
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
