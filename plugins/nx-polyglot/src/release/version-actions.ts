import type { ProjectGraph, Tree } from '@nx/devkit';
import { workspaceRoot } from '@nx/devkit';
import { VersionActions } from 'nx/release';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import semver from 'semver';
import * as pep440 from '@renovatebot/pep440';
import { howItEnded, runProcess } from '../run-process';
import { CargoManifest, parseCargoManifest, workspaceDependency } from '../cargo/cargo-manifest';
import { loadCargoWorkspaces, memberForDependency } from '../cargo/cargo-workspace';
import { SparseIndex } from '../cargo/sparse-index';
import { PypiIndex, fileVersion, pythonRepository } from '../python/pypi-index';
import { parsePyproject } from '../python/pyproject';
import { editText } from './apply-edits';
import { BumpJournal, recoverBeforeStarting, rollbackFailureText } from './bump-journal';
import { VersionEdit, bumpPlan } from './bump-plan';
import type { ReleaseManifests } from './version-consistency';

/**
 * The bump journal of this `nx release version` process (see bump-journal.ts):
 * opened by the first edit, before Nx writes anything (Nx writes its Tree to
 * disk after every project's edits and before afterAllProjectsVersioned),
 * committed by afterAllProjectsVersioned once the lock files are regenerated.
 */
let journal: BumpJournal | undefined;
let recovered = false;

function openJournal(from: string, to: string): BumpJournal {
  if (!journal) {
    journal = BumpJournal.open(workspaceRoot, 'nx release version', from, to);
    const lock = join(workspaceRoot, 'package-lock.json');
    journal.record(existsSync(lock) ? [{ file: lock }] : []);
    // Nx failing (or its own write failing) after our edits: put every file back before the process ends;
    // a run that ends well without afterAllProjectsVersioned (not what Nx 23/24 do) keeps what Nx wrote
    process.once('exit', (code) => {
      if (!journal?.isOpen) return;
      if (code === 0) return journal.commit();
      const result = journal.rollback();
      if (result.restored.length)
        process.stderr.write(`nx release version did not finish: put back ${result.restored.join(', ')}.\n`);
      if (result.failed.length) process.stderr.write(`${rollbackFailureText(result.failed, workspaceRoot)}\n`);
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
      const blocked = recoverBeforeStarting(workspaceRoot, (m) => process.stdout.write(`${m}\n`), 'nx release version');
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

  /** This project's manifests, read from the Tree through the one model of each ecosystem. */
  private manifests(tree: Tree): { release: ReleaseManifests; own: string } {
    const abs = (rel: string) => join(workspaceRoot, rel);
    const release: ReleaseManifests = { cargo: [], python: [], packageJson: [] };
    if (this.kind === 'cargo') {
      const cwd = (this.projectGraphNode.data.targets?.test?.options?.cwd ?? this.root) as string;
      const parsed = new Map<string, CargoManifest>();
      const files = {
        manifest: (file: string) => {
          // the workspace model asks for a manifest several times: parse each once
          if (parsed.has(file)) return parsed.get(file);
          const rel = relative(workspaceRoot, file);
          if (!tree.exists(rel) || !tree.isFile(rel)) return undefined;
          const manifest = parseCargoManifest(tree.read(rel, 'utf-8') as string, file);
          parsed.set(file, manifest);
          return manifest;
        },
        subdirectories: (dir: string) =>
          tree
            .children(relative(workspaceRoot, dir))
            .filter((c) => !tree.isFile(join(relative(workspaceRoot, dir), c))),
      };
      const rootManifest = abs(join(cwd, 'Cargo.toml'));
      const [workspace] = loadCargoWorkspaces([rootManifest], files);
      release.cargo.push({ workspace, root: parsed.get(rootManifest) as CargoManifest, manifests: parsed });
      return { release, own: abs(join(this.root, 'Cargo.toml')) };
    }
    if (this.kind === 'python') {
      const file = join(this.root, 'pyproject.toml');
      release.python.push(parsePyproject(tree.read(file, 'utf-8') as string, abs(file)));
      return { release, own: abs(file) };
    }
    const file = join(this.root, 'package.json');
    release.packageJson.push({ file: abs(file), version: JSON.parse(tree.read(file, 'utf-8') as string).version });
    return { release, own: abs(file) };
  }

  private apply(tree: Tree, edits: VersionEdit[], release: ReleaseManifests, to: string): string[] {
    const byFile = new Map<string, VersionEdit[]>();
    for (const e of edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
    if (byFile.size > 0) {
      // every file's original bytes are durable before Nx writes the first one
      const from =
        release.cargo[0]?.root.workspace?.package.version ??
        release.cargo[0]?.workspace.members[0]?.version ??
        release.python[0]?.version ??
        release.packageJson[0]?.version;
      const j = openJournal(typeof from === 'string' ? from : '?', to);
      const lock = release.cargo[0] ? join(dirname(release.cargo[0].root.file), 'Cargo.lock') : undefined;
      j.record([...byFile.keys(), ...(lock && existsSync(lock) ? [lock] : [])].map((file) => ({ file })));
    }
    for (const [file, fileEdits] of byFile) {
      const rel = relative(workspaceRoot, file);
      tree.write(rel, editText(tree.read(rel, 'utf-8') as string, file, fileEdits));
    }
    return edits.map((e) => `${relative(workspaceRoot, e.file)}: ${e.path.join('.')} ${e.from} -> ${e.to}`);
  }

  async readCurrentVersionFromSourceManifest(
    tree: Tree,
  ): Promise<{ currentVersion: string; manifestPath: string } | null> {
    const { release, own } = this.manifests(tree);
    const version =
      release.cargo[0]?.workspace.members.find((m) => m.manifestPath === own)?.version ??
      release.python[0]?.version ??
      release.packageJson[0]?.version;
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
      currentVersion: [...new Set(versions)].sort(pep440.rcompare)[0] ?? null,
      logText: `the simple index of \`${registry}\``,
    };
  }

  async readCurrentVersionOfDependency(
    tree: Tree,
    projectGraph: ProjectGraph,
    dependencyProjectName: string,
  ): Promise<{ currentVersion: string | null; dependencyCollection: string | null }> {
    if (this.kind !== 'cargo') return { currentVersion: null, dependencyCollection: null };
    const { release, own } = this.manifests(tree);
    const { workspace } = release.cargo[0];
    const target = join(workspaceRoot, projectGraph.nodes[dependencyProjectName]?.data.root ?? '', 'Cargo.toml');
    const pkg = workspace.members.find((m) => m.manifestPath === own);
    const dep = pkg?.dependencies.find((d) => memberForDependency(d, workspace.members)?.manifestPath === target);
    return { currentVersion: dep?.req ?? null, dependencyCollection: dep ? dep.keyPath.slice(0, -1).join('.') : null };
  }

  /** The version itself: the crate's own, or `[workspace.package].version` it inherits, and its `[workspace.dependencies]` entry. */
  async updateProjectVersion(tree: Tree, newVersion: string): Promise<string[]> {
    const { release, own } = this.manifests(tree);
    const rootManifest = release.cargo[0]?.root.file;
    const edits = bumpPlan(release, newVersion).filter((e) => {
      if (e.file === own) return e.path.at(-1) === 'version' && e.path.length <= 3 && !isDependency(e);
      if (e.file !== rootManifest) return false;
      if (e.path[1] === 'package') return true;
      const dep = workspaceDependency(release.cargo[0].root, e.path[2]);
      return dep?.path !== undefined && join(dirname(rootManifest), dep.path, 'Cargo.toml') === own;
    });
    return this.apply(tree, edits, release, newVersion);
  }

  /** Requirements on the dependencies Nx bumps, written in this project's own manifest. */
  async updateProjectDependencies(
    tree: Tree,
    _graph: ProjectGraph,
    dependenciesToUpdate: Record<string, string>,
  ): Promise<string[]> {
    // Nx hands over specifiers (`^0.13.0` with its default prefix); the requirement keeps the author's operator
    const versions = [
      ...new Set(Object.values(dependenciesToUpdate).map((v) => semver.valid(v) ?? semver.minVersion(v)?.version ?? v)),
    ];
    if (this.kind !== 'cargo' || versions.length === 0) return [];
    const { release, own } = this.manifests(tree);
    // a fixed group moves every dependency to the same version
    const edits = versions.flatMap((v) => bumpPlan(release, v).filter((e) => e.file === own && isDependency(e)));
    return this.apply(tree, edits, release, versions[0]);
  }
}

function isDependency(e: VersionEdit): boolean {
  return e.path.some((k) => /dependencies$/.test(k));
}

/** After every manifest is written: the lock files that record the workspace's own versions. */
export async function afterAllProjectsVersioned(
  cwd: string,
  opts: { dryRun?: boolean },
): Promise<{ changedFiles: string[]; deletedFiles: string[] }> {
  const listed = await runProcess('git', ['ls-files', '--', '*Cargo.lock', 'package-lock.json'], { cwd });
  const locks = listed.output.split('\n').filter(Boolean);
  if (opts.dryRun) {
    journal?.abandon();
    return { changedFiles: [], deletedFiles: [] };
  }
  for (const lock of locks) {
    const dir = join(cwd, dirname(lock));
    const [file, ...args] = lock.endsWith('Cargo.lock')
      ? ['cargo', 'update', '--workspace', '--offline']
      : ['npm', 'install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'];
    // its original bytes are journalled before the tool rewrites it
    journal?.record([{ file: join(cwd, lock) }]);
    const r = await runProcess(file, args, {
      cwd: dir,
      onSpawn: (pid) => journal?.noteHelper(pid, [file, ...args].join(' ')),
    });
    if (r.exitCode !== 0) {
      const failure = `${r.output}Regenerating ${lock} failed (\`${[file, ...args].join(' ')}\` ${howItEnded(r)})`;
      // Nx has written the manifests already: every file goes back, as with the bump target
      const result = journal?.rollback();
      if (!result) throw new Error(`${failure}.`);
      if (result.failed.length === 0) throw new Error(`${failure}; every file is as it was.`);
      throw new Error(
        `${failure}; the rollback could not restore every file.\n${rollbackFailureText(result.failed, cwd)}`,
      );
    }
  }
  journal?.commit();
  return { changedFiles: locks, deletedFiles: [] };
}
