import { join } from 'node:path';
import { ManifestError } from '../manifest-error';
import { ReleaseManifests, VersionSite, isRequirement } from './version-sites';

/**
 * The version sites of one project when projects are versioned apart (an
 * independent release group, or a group beside others): which site holds its
 * own version, and which requirements of a dependent point at a dependency.
 * Pure, over the sites versionSites found.
 */

/**
 * Where `manifest`'s own version is written: its `[package].version`, its
 * `[project]`/`[tool.poetry]` version, its package.json `version`, or, for a
 * crate with `version.workspace = true`, `[workspace.package].version`. That
 * one is a version train: every crate inheriting it moves with it, so an
 * independent group holding two of them would version apart what is one
 * version. `independentGroup` maps the crates of such a group (manifest →
 * project name); for a fixed group it is undefined.
 */
export function projectVersionSites(
  m: ReleaseManifests,
  sites: VersionSite[],
  manifest: string,
  independentGroup?: { name: string; crates: Map<string, string> },
): VersionSite[] {
  const own = sites.filter((s) => !isRequirement(s) && s.role !== 'workspace-version' && s.owner === manifest);
  if (own.length > 0) return own;
  const root = m.cargo.find((c) => c.workspace.members.some((p) => p.manifestPath === manifest));
  if (root === undefined) return [];
  const train = root.workspace.members
    .filter((p) => typeof root.manifests.get(p.manifestPath)?.package?.version === 'object')
    .map((p) => p.manifestPath);
  const split = independentGroup ? train.filter((f) => independentGroup.crates.has(f)) : [];
  if (independentGroup && split.length > 1) {
    const names = split.map((f) => independentGroup.crates.get(f) as string);
    throw new ManifestError(
      root.root.file,
      `is the one version of ${names.map((n) => `\`${n}\``).join(', ')} (they inherit it with \`version.workspace = true\`), which the independent release group \`${independentGroup.name}\` would version apart`,
      `Release them together: in nx.json, give them a fixed group of their own, \`"release": { "groups": { "<name>": { "projects": [${names.map((n) => `"${n}"`).join(', ')}], "projectsRelationship": "fixed" } } }\`, or give each crate its own \`version\``,
      'workspace.package.version',
    );
  }
  return sites.filter((s) => s.role === 'workspace-version' && s.owner === root.root.file);
}

/**
 * The requirements through which the crate of `manifest` depends on the crate
 * of `target`: its own path requirements, and the `[workspace.dependencies]`
 * entry it inherits (`x = { workspace = true }`), which is the dependent's
 * requirement written in the workspace's manifest.
 */
export function requirementSites(
  m: ReleaseManifests,
  sites: VersionSite[],
  manifest: string,
  target: string,
): VersionSite[] {
  const crate = m.cargo.flatMap((c) => c.workspace.members).find((p) => p.manifestPath === manifest);
  if (crate === undefined) return [];
  const rootOf = m.cargo.find((c) => c.workspace.members.includes(crate))?.root.file;
  const inherits = crate.dependencies.some(
    (d) => d.inherited && d.path !== null && join(d.path, 'Cargo.toml') === target,
  );
  return sites.filter(
    (s) =>
      s.target === target &&
      ((s.role === 'path-dependency' && s.owner === manifest) ||
        (s.role === 'workspace-dependency' && inherits && s.owner === rootOf)),
  );
}
