import type { ProjectGraph, ProjectGraphProjectNode, Tree } from '@nx/devkit';
import { readCachedProjectGraph, workspaceRoot } from '@nx/devkit';
import { VersionActions } from 'nx/release';
import { join, relative } from 'node:path';
import semver from 'semver';
import * as pep440 from '@renovatebot/pep440';
import { howItEnded, runProcess } from '../run-process';
import { SparseIndex } from '../cargo/sparse-index';
import { PypiIndex, fileVersion, pythonRepository } from '../python/pypi-index';
import { editText } from './apply-edits';
import { BumpJournal } from './bump-journal';
import { leftAloneText, rollbackFailureText } from './journal-format';
import { recoverBeforeStarting } from './journal-recovery';
import { VersionEdit, bumpPlan, siteEdit } from './bump-plan';
import { LockFile, expectedLockText, howRegenerated, regenerateLockFiles, releaseLockFiles } from './lock-files';
import { diskSource, treeSource } from './manifest-source';
import { currentReleaseVersion, loadReleaseManifests, releaseSpelling } from './release-manifests';
import { projectVersionSites, requirementSites } from './project-sites';
import { ReleaseManifests, VersionSite, isRequirement, versionSites } from './version-sites';
import { redact } from '../known-secrets';
import { ManifestError } from '../manifest-error';
import type { RequirementPolicy } from '../requirement-rules';

/**
 * The bump journal of this `nx release version` process (see bump-journal.ts):
 * opened by the first edit, before Nx writes anything (Nx writes its Tree to
 * disk after every project's edits and before afterAllProjectsVersioned),
 * committed by afterAllProjectsVersioned once the lock files are regenerated.
 */
let journal: BumpJournal | undefined;
let recovered = false;
/**
 * The lock files afterAllProjectsVersioned regenerates once for every release
 * group: the releaseLockFiles of each group that edited a file, as `bump`
 * regenerates them.
 */
const plannedLocks: LockFile[] = [];
/** The release groups' nodes, for reading their manifests from disk once Nx has written them. */
const plannedNodes = new Map<string, ProjectGraphProjectNode>();

function openJournal(from: string, to: string): BumpJournal {
  if (!journal) {
    journal = BumpJournal.open(workspaceRoot, 'nx release version', from, to);
    // Nx failing (or its own write failing) after our edits: put every file back before the process ends;
    // a run that ends well without afterAllProjectsVersioned (not what Nx 23/24 do) keeps what Nx wrote
    process.once('exit', (code) => {
      if (!journal?.isOpen) return;
      if (code === 0) return journal.commit();
      const result = journal.rollback();
      if (result.restored.length)
        process.stderr.write(redact(`nx release version did not finish: put back ${result.restored.join(', ')}.\n`));
      if (result.leftAlone.length) process.stderr.write(redact(`${leftAloneText(result, workspaceRoot)}\n`));
      if (result.failed.length) process.stderr.write(redact(`${rollbackFailureText(result.failed, workspaceRoot)}\n`));
    });
  }
  return journal;
}

/**
 * Nx release VersionActions for a polyglot release group: crates
 * (Cargo.toml, with `[workspace.package]` inheritance and
 * `[workspace.dependencies]`), Python packages (pyproject.toml) and npm
 * packages (package.json). The edits are bumpPlan's, made through Nx's Tree,
 * so `nx release version` changes exactly what the `bump` target changes.
 */
export default class PolyglotVersionActions extends VersionActions {
  // Nx takes the first name as the project's manifest: each project has its own
  validManifestFilenames: string[];
  // TOML is not Prettier's, and package.json keeps its own formatting
  override excludeManifestsFromFormatting = true;

  constructor(...args: ConstructorParameters<typeof VersionActions>) {
    super(...args);
    this.validManifestFilenames = [{ cargo: 'Cargo.toml', python: 'pyproject.toml', npm: 'package.json' }[this.kind]];
  }

  /** Before Nx reads a manifest: a bump killed half-way is rolled back (and said so), once per process. */
  override async init(tree: Tree): Promise<void> {
    if (!recovered) {
      recovered = true;
      const blocked = recoverBeforeStarting(
        workspaceRoot,
        (m) => process.stdout.write(redact(`${m}\n`)),
        'nx release version',
      );
      if (blocked) throw new Error(blocked);
    }
    await super.init(tree);
  }

  private get kind(): 'cargo' | 'python' | 'npm' {
    const metadata = this.projectGraphNode.data.metadata ?? {};
    return metadata.cargo ? 'cargo' : metadata.python ? 'python' : 'npm';
  }

  private get root(): string {
    return this.projectGraphNode.data.root;
  }

  /** The manifest of this project's own version. */
  private get own(): string {
    return join(workspaceRoot, this.root, this.validManifestFilenames[0]);
  }

  /**
   * How requirements onto a released crate move, `versionActionsOptions.requirements` (nx.json's
   * `release.version`, or a group's `version`): `fix` (the default) or `upgrade` (requirement-rules.ts).
   */
  private get requirementPolicy(): RequirementPolicy {
    const options = (this.finalConfigForProject.versionActionsOptions ?? {}) as Record<string, unknown>;
    const value = options.requirements ?? 'fix';
    if (value === 'fix' || value === 'upgrade') return value;
    throw new ManifestError(
      join(workspaceRoot, 'nx.json'),
      `sets the requirement policy to ${JSON.stringify(value)}, which nx-polyglot does not know`,
      'Write "fix" (move a requirement only when the new version falls outside it) or "upgrade" (write the new version into every requirement onto a released crate, as cargo-release and release-plz do)',
      'release.version.versionActionsOptions.requirements',
    );
  }

  /** Several groups, or one independent group: each project has its own version. */
  private get independent(): boolean {
    return this.releaseGroup.projectsRelationship === 'independent';
  }

  /** The release group's nodes (and `others`, dependencies in other groups), as Nx computed the graph for this run (VersionActions gets only its own node). */
  private groupNodes(others: string[] = []): ProjectGraphProjectNode[] {
    const { nodes } = readCachedProjectGraph();
    const names = new Set([...(this.releaseGroup.projects ?? []), this.projectGraphNode.name, ...others]);
    return [...names].map((n) => (n === this.projectGraphNode.name ? this.projectGraphNode : nodes[n])).filter(Boolean);
  }

  /** The release group's manifests and version sites, read from the Tree (with the edits made so far). */
  private sites(tree: Tree, others: string[] = []): { release: ReleaseManifests; sites: VersionSite[] } {
    const release = loadReleaseManifests(this.groupNodes(others), workspaceRoot, treeSource(tree, workspaceRoot));
    return { release, sites: versionSites(release) };
  }

  /** The crates of an independent group, manifest → project name: a version train among them is refused. */
  private independentCrates(): { name: string; crates: Map<string, string> } | undefined {
    if (!this.independent) return undefined;
    const crates = this.groupNodes()
      .filter((n) => n.data.metadata?.cargo)
      .map((n): [string, string] => [join(workspaceRoot, n.data.root, 'Cargo.toml'), n.name]);
    return { name: this.releaseGroup.name, crates: new Map(crates) };
  }

  private apply(tree: Tree, edits: VersionEdit[], release: ReleaseManifests, to: string): string[] {
    const byFile = new Map<string, VersionEdit[]>();
    for (const e of edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
    if (byFile.size > 0) {
      // every file's original bytes are durable before Nx writes the first one: manifests and lock files
      const j = openJournal(currentReleaseVersion(release) ?? '?', to);
      const locks = releaseLockFiles(release, workspaceRoot);
      plannedLocks.push(...locks.filter((l) => !plannedLocks.some((p) => p.file === l.file)));
      for (const node of this.groupNodes()) plannedNodes.set(node.name, node);
      j.record(locks.map((l) => ({ file: l.file })));
    }
    for (const [file, fileEdits] of byFile) {
      const rel = relative(workspaceRoot, file);
      const text = editText(tree.read(rel, 'utf-8') as string, file, fileEdits);
      // its original bytes, and what Nx will write from the Tree: the only content a rollback may replace
      journal!.record([{ file, updated: Buffer.from(text) }]);
      tree.write(rel, text);
    }
    return edits.map((e) => `${relative(workspaceRoot, e.file)}: ${e.path.join('.')} ${e.from} -> ${e.to}`);
  }

  async readCurrentVersionFromSourceManifest(
    tree: Tree,
  ): Promise<{ currentVersion: string; manifestPath: string } | null> {
    const { release } = this.sites(tree);
    const own = this.own;
    const version =
      this.kind === 'cargo'
        ? release.cargo.flatMap((c) => c.workspace.members).find((m) => m.manifestPath === own)?.version
        : this.kind === 'python'
          ? releaseSpelling(release.python.find((p) => p.manifestPath === own)?.version ?? undefined)
          : release.packageJson.find((p) => p.file === own)?.version;
    return version ? { currentVersion: version, manifestPath: relative(workspaceRoot, own) } : null;
  }

  async readCurrentVersionFromRegistry(
    tree: Tree,
    metadata: Record<string, unknown> | undefined,
  ): Promise<{ currentVersion: string | null; logText: string } | null> {
    const registry = (metadata?.registry ??
      this.projectGraphNode.data.targets?.publish?.options?.registry ??
      this.projectGraphNode.data.targets?.publish?.options?.repository) as string | undefined;
    if (!registry || this.kind === 'npm') return null;
    if (this.kind === 'cargo') {
      const crate = this.projectGraphNode.data.metadata?.cargo.package as string;
      const versions = (await new SparseIndex(registry).versions(crate)).filter((v) => !v.yanked).map((v) => v.vers);
      return { currentVersion: semver.rsort(versions)[0] ?? null, logText: `the sparse index of \`${registry}\`` };
    }
    const repository = pythonRepository(registry);
    const distribution = this.projectGraphNode.data.metadata?.python.distribution as string;
    const files = await new PypiIndex(repository.simpleUrl, {
      repository: registry,
      variables: [repository.urlVariable],
    }).files(distribution);
    // Python versions are PEP 440's (0.13.0rc1, 0.13, 0.12.0.post1), ordered as pip orders them
    const versions = files
      .map((f) => fileVersion(f, distribution))
      .filter((v): v is string => v !== undefined && pep440.valid(v) !== null);
    return {
      // Nx computes the next version in semver: 0.13.0rc1 is 0.13.0-rc.1
      currentVersion: releaseSpelling([...new Set(versions)].sort(pep440.rcompare)[0]) ?? null,
      logText: `the simple index of \`${registry}\``,
    };
  }

  async readCurrentVersionOfDependency(
    tree: Tree,
    projectGraph: ProjectGraph,
    dependencyProjectName: string,
  ): Promise<{ currentVersion: string | null; dependencyCollection: string | null }> {
    if (this.kind !== 'cargo' || !projectGraph.nodes[dependencyProjectName]?.data.metadata?.cargo)
      return { currentVersion: null, dependencyCollection: null };
    const target = join(workspaceRoot, projectGraph.nodes[dependencyProjectName].data.root, 'Cargo.toml');
    const { release, sites } = this.sites(tree, [dependencyProjectName]);
    // its own requirement, else the [workspace.dependencies] entry it inherits
    const site = requirementSites(release, sites, this.own, target)
      .sort((a, b) => Number(b.role === 'path-dependency') - Number(a.role === 'path-dependency'))
      .at(0);
    return {
      currentVersion: site?.value ?? null,
      dependencyCollection: site ? site.path.slice(0, -2).join('.') : null,
    };
  }

  /**
   * The version itself (the crate's own, or `[workspace.package].version` it
   * inherits). In a fixed group, also every requirement onto it, wherever it
   * is written: its `[workspace.dependencies]` entry, and the path
   * requirements of crates in any Cargo root (a standalone crate's onto a
   * workspace crate too). Versioned apart, requirements are its dependents'
   * (updateProjectDependencies), as Nx's `updateDependents` decides.
   */
  async updateProjectVersion(tree: Tree, newVersion: string): Promise<string[]> {
    const { release, sites } = this.sites(tree);
    if (this.independent) {
      const mine = projectVersionSites(release, sites, this.own, this.independentCrates());
      // requirements onto it, in every manifest: one it falls outside must move whatever `updateDependents`
      // says (cargo would refuse the lock file); with `requirements: "upgrade"`, each one it changes
      const policy = this.requirementPolicy;
      const onto = sites
        .filter((s) => isRequirement(s) && s.target === this.own)
        .map((s) => siteEdit(s, newVersion, policy))
        .filter((e): e is VersionEdit => e !== undefined);
      return this.apply(tree, [...bumpPlan(release, newVersion, mine), ...onto], release, newVersion);
    }
    const own = this.own;
    const workspace = join(workspaceRoot, (this.projectGraphNode.data.metadata?.cargo?.workspace as string) ?? '');
    const mine = sites.filter((s) =>
      isRequirement(s) ? s.target === own : s.role === 'workspace-version' ? s.owner === workspace : s.owner === own,
    );
    return this.apply(tree, bumpPlan(release, newVersion, mine), release, newVersion);
  }

  /**
   * This crate's requirements onto the dependencies Nx bumped (in any group):
   * in its own manifest, or the `[workspace.dependencies]` entry it inherits,
   * rewritten only where the new version falls outside them.
   */
  async updateProjectDependencies(
    tree: Tree,
    graph: ProjectGraph,
    dependenciesToUpdate: Record<string, string>,
  ): Promise<string[]> {
    const names = Object.keys(dependenciesToUpdate).filter((n) => graph.nodes[n]?.data.metadata?.cargo);
    if (this.kind !== 'cargo' || names.length === 0) return [];
    const { release, sites } = this.sites(tree, names);
    const edits = names.flatMap((name) => {
      // Nx hands over specifiers (`^0.13.0` with its default prefix); the requirement keeps the author's operator
      const version = dependenciesToUpdate[name].replace(/^[~^=]/, '');
      const target = join(workspaceRoot, graph.nodes[name].data.root, 'Cargo.toml');
      return requirementSites(release, sites, this.own, target)
        .map((site) => siteEdit(site, version, this.requirementPolicy))
        .filter((e): e is VersionEdit => e !== undefined);
    });
    return this.apply(tree, edits, release, edits[0]?.to ?? '?');
  }
}

/** Of the lock files, those git would stage (tracked, or new and not ignored): what Nx adds to the release commit. */
async function stageable(cwd: string, files: string[]): Promise<string[]> {
  if (files.length === 0) return [];
  const listed = await runProcess('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', ...files], {
    cwd,
  });
  if (listed.exitCode !== 0) return files;
  const known = new Set(listed.output.split('\n').filter(Boolean));
  return files.filter((f) => known.has(f));
}

/** What the lock file's tool should write, from the manifests Nx wrote; undefined when they cannot be read. */
function expectedFromDisk(lock: LockFile): Buffer | undefined {
  try {
    return expectedLockText(lock, loadReleaseManifests([...plannedNodes.values()], workspaceRoot, diskSource()));
  } catch {
    return undefined; // only a proof of ownership is lost: the rollback then leaves a changed lock file alone
  }
}

/** After every manifest is written: the lock files that record the release group's own versions, as `bump` regenerates them. */
export async function afterAllProjectsVersioned(
  cwd: string,
  opts: { dryRun?: boolean },
): Promise<{ changedFiles: string[]; deletedFiles: string[] }> {
  const locks = plannedLocks;
  const rel = locks.map((l) => relative(cwd, l.file));
  if (opts.dryRun) {
    journal?.abandon();
    for (const l of locks)
      process.stdout.write(redact(`Would regenerate ${relative(cwd, l.file)} ${howRegenerated(l)}\n`));
    return { changedFiles: await stageable(cwd, rel), deletedFiles: [] };
  }
  const failed = await regenerateLockFiles(locks, {
    // its original bytes are journalled (apply did), and what its tool should write, before the tool rewrites it
    before: (lock) => journal?.record([{ file: lock.file, updated: expectedFromDisk(lock) }]),
    writing: (file, bytes) => journal?.record([{ file, updated: bytes }]),
    after: (lock) => journal?.noteWritten(lock.file),
    onSpawn: (pid, command) => journal?.noteHelper(pid, command),
    say: (line) => process.stdout.write(redact(`${line}\n`)),
  });
  if (failed) {
    const { lock, command, result: r } = failed;
    const failure = `${r.output}Regenerating ${relative(cwd, lock.file)} failed (\`${command.join(' ')}\` ${howItEnded(r)})`;
    // Nx has written the manifests already: every file goes back, as with the bump target
    const result = journal?.rollback();
    if (!result) throw new Error(`${failure}.`);
    const leftAlone = leftAloneText(result, cwd);
    if (result.failed.length === 0)
      throw new Error(
        leftAlone
          ? `${failure}; the bump's changes were put back.\n${leftAlone}`
          : `${failure}; every file is as it was.`,
      );
    throw new Error(
      `${failure}; the rollback could not restore every file.\n${rollbackFailureText(result.failed, cwd)}${leftAlone ? `\n${leftAlone}` : ''}`,
    );
  }
  journal?.commit();
  return { changedFiles: await stageable(cwd, rel), deletedFiles: [] };
}
