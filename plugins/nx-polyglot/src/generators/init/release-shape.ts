import type { ReleasableProject } from './repository-facts';
import { TagFamily, familyTagging, tagFamilies } from './tag-patterns';

export interface ProposedGroup {
  projectsRelationship: 'fixed' | 'independent';
  projects: string[];
  releaseTag: { pattern: string };
}

export interface ReleaseShape {
  groups: Record<string, ProposedGroup>;
  /** Why each group is what it is, for the report. */
  reasons: string[];
}

/** The newest tags, which tell how the repository releases today. */
const RECENT_TAGS = 30;

/** A default for per-project tags when the repository has none yet: cargo-release's and release-plz's. */
const PER_PROJECT_TAG = '{projectName}-v{version}';

/**
 * The release shape a repository already has, read from its manifests and
 * tags, never ours imposed:
 * - projects sharing a version by construction (crates inheriting the Cargo
 *   workspace's version, a maturin package and its crate) are one fixed group;
 * - when no tag names a single project and every project has one version,
 *   everything is one fixed group; projects with equal versions are one train;
 * - the rest are versioned independently, in one independent group;
 * - each group's tag pattern is the one its existing tags follow (`tags`
 *   newest first): the family that tagged its version, else the recent
 *   version-only tags for the largest group.
 */
export function proposeReleaseShape(projects: readonly ReleasableProject[], tags: readonly string[]): ReleaseShape {
  const names = projects.map((p) => p.name);
  const families = tagFamilies(tags, names);
  // how the repository releases now: crates released one by one years ago say nothing of today
  const recent = tagFamilies(tags.slice(0, RECENT_TAGS), names);
  // per-project tags whose projects were all last tagged at one version are a lockstep release
  // tagged crate by crate (release-plz's way), not independent versions
  const perProjectTags = recent.some((f) => f.perProject && lastTagged(families, f).size > 1);
  const trains = new Map<string, ReleasableProject[]>();
  for (const p of projects) trains.set(p.train, [...(trains.get(p.train) ?? []), p]);
  let fixed = [...trains.values()].filter((t) => t.length > 1);
  let alone = [...trains.values()].filter((t) => t.length === 1).map((t) => t[0]);
  const reasons: string[] = [];

  if (!perProjectTags) {
    // equal versions without per-project tags: released together so far
    const byVersion = new Map<string, ReleasableProject[]>();
    for (const t of [...fixed, ...alone.map((p) => [p])])
      byVersion.set(t[0].version, [...(byVersion.get(t[0].version) ?? []), ...t]);
    fixed = [...byVersion.values()].filter((t) => t.length > 1);
    alone = [...byVersion.values()].filter((t) => t.length === 1).map((t) => t[0]);
  }
  if (alone.length === 1 && fixed.length === 0) fixed = [alone.splice(0)];

  const groups: Record<string, ProposedGroup> = {};
  const single = fixed.length === 1 && alone.length === 0;
  const used = new Set<string>(); // two groups never share a tag pattern: their tags would collide
  // the largest train first: the repository's version-only tags are its main train's
  for (const train of [...fixed].sort((a, b) => b.length - a.length)) {
    const name = groupName(train, groups);
    const version = train[0].version;
    const members = train.map((p) => p.name);
    const family = [familyTagging(families, version, members), plainFamily(recent)]
      .filter((f): f is TagFamily => f !== undefined)
      .find((f) => !used.has(literal(f, version, members)));
    const pattern = family ? literal(family, version, members) : single ? 'v{version}' : `${name}-v{version}`;
    used.add(pattern);
    groups[name] = { projectsRelationship: 'fixed', projects: members, releaseTag: { pattern } };
    reasons.push(
      `${name}: fixed at ${version} (${describeTrain(train)}), tags ${groups[name].releaseTag.pattern}${family ? ' as the existing tags' : ''}`,
    );
  }
  if (alone.length > 0) {
    const family = recent.find((f) => f.perProject);
    const name = groupName([], groups, alone.every((p) => p.kind === 'cargo') ? 'crates' : 'packages');
    groups[name] = {
      projectsRelationship: 'independent',
      projects: alone.map((p) => p.name),
      releaseTag: { pattern: family?.pattern ?? PER_PROJECT_TAG },
    };
    reasons.push(
      `${name}: independent versions (${alone.map((p) => `${p.name} ${p.version}`).join(', ')}), tags ${groups[name].releaseTag.pattern}${family ? ' as the existing tags' : ''}`,
    );
  }
  return { groups, reasons };
}

/** The versions the projects of a recent per-project family were last tagged at (`tags` are newest first). */
function lastTagged(all: readonly TagFamily[], recent: TagFamily): Set<string> {
  const split = (v: string) => [v.slice(0, v.lastIndexOf('@')), v.slice(v.lastIndexOf('@') + 1)];
  const projects = new Set([...recent.versions].map((v) => split(v)[0]));
  const last = new Map<string, string>();
  for (const v of all.find((f) => f.pattern === recent.pattern)?.versions ?? []) {
    const [project, version] = split(v);
    if (projects.has(project) && !last.has(project)) last.set(project, version);
  }
  return new Set(last.values());
}

/** A family's pattern for a fixed group: per-project tags of its lead become a literal prefix (`core-v{version}`). */
function literal(family: TagFamily, version: string, members: string[]): string {
  if (!family.perProject) return family.pattern;
  const lead = members.find((n) => family.versions.has(`${n}@${version}`)) ?? members[0];
  return family.pattern.replace('{projectName}', lead);
}

/** The repository's one version-only family (`v1.2.3`, `1.2.3`), whatever version it last tagged. */
function plainFamily(families: readonly TagFamily[]): TagFamily | undefined {
  return families.find((f) => !f.perProject && /^v?\{version\}$/.test(f.pattern));
}

function describeTrain(train: ReleasableProject[]): string {
  const workspace = train.some((p) => p.train.startsWith('cargo-workspace:'));
  const others = train.some((p) => !p.train.startsWith('cargo-workspace:'));
  const why = [workspace ? 'crates sharing their workspace version' : '', others ? 'equal versions' : '']
    .filter(Boolean)
    .join(', and ');
  return `${train.map((p) => p.name).join(', ')}: ${why}`;
}

/**
 * The group's name, unique among the groups: its Cargo workspace's directory
 * (`rust`) when it is one below the root, else its lead project's (the one
 * nearest the repository root).
 */
function groupName(train: ReleasableProject[], taken: Record<string, unknown>, fallback = 'release'): string {
  const lead = [...train].sort((a, b) => depth(a.root) - depth(b.root) || a.name.localeCompare(b.name))[0];
  const workspace = train.find((p) => p.workspace !== undefined && p.workspace !== '.')?.workspace;
  const base = workspace?.split('/').pop() ?? lead?.name ?? fallback;
  let name = base;
  for (let i = 2; name in taken; i++) name = `${base}-${i}`;
  return name;
}

const depth = (root: string) => (root === '.' ? 0 : root.split('/').length);
