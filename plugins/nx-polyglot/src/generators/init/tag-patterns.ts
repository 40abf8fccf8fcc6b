/** One way the repository names its release tags, with the versions tagged that way. */
export interface TagFamily {
  /** Nx's `releaseTag.pattern`: `v{version}`, `py-{version}`, `{projectName}-v{version}`. */
  pattern: string;
  /** The project the tags name, for a family of per-project tags. */
  perProject: boolean;
  versions: Set<string>;
}

const VERSION = /(\d+\.\d+\.\d+(?:[-.]?(?:a|b|rc|alpha|beta|dev|post|pre)[.\w-]*)?)$/;

/**
 * The tag families of a repository: each tag split into a literal prefix and
 * a version; a prefix that is a project's name followed by a separator
 * (`core-v1.2.3`, `core@1.2.3`) becomes `{projectName}`, so the crates
 * released one by one make one family.
 */
export function tagFamilies(tags: readonly string[], projectNames: readonly string[]): TagFamily[] {
  const names = [...projectNames].sort((a, b) => b.length - a.length); // `core-cli` before `core`
  const families = new Map<string, TagFamily>();
  for (const tag of tags) {
    const match = VERSION.exec(tag);
    if (!match) continue;
    const prefix = tag.slice(0, match.index);
    if (/\s/.test(prefix)) continue;
    const name = names.find((n) => prefix.startsWith(n) && /^[-_@/]v?$/.test(prefix.slice(n.length)));
    const pattern = name ? `{projectName}${prefix.slice(name.length)}{version}` : `${prefix}{version}`;
    const family = families.get(pattern) ?? { pattern, perProject: name !== undefined, versions: new Set() };
    family.versions.add(name ? `${name}@${match[1]}` : match[1]);
    families.set(pattern, family);
  }
  return [...families.values()].sort((a, b) => b.versions.size - a.versions.size);
}

/** The family that has tagged this version of a fixed group (or, for a per-project family, one of its projects). */
export function familyTagging(
  families: readonly TagFamily[],
  version: string,
  projects: readonly string[],
): TagFamily | undefined {
  const tags = (f: TagFamily) =>
    f.perProject ? projects.some((p) => f.versions.has(`${p}@${version}`)) : f.versions.has(version);
  // a version-only tag (`v1.2.3`) names the whole group, a prefixed one (`micromegas-v1.2.3`) a part
  // of it perhaps, a project's tag only its lead
  const versionOnly = (f: TagFamily) => /^v?\{version\}$/.test(f.pattern);
  return (
    families.find((f) => versionOnly(f) && tags(f)) ??
    families.find((f) => !f.perProject && tags(f)) ??
    families.find(tags)
  );
}
