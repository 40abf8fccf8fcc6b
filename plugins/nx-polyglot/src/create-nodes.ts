import type { CreateNodes, CreateNodesResultArray, ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
// from nx itself, not @nx/devkit: devkit's index loads Nx's generator machinery,
// ~0.2 s of every plugin worker's start, for one class
import { AggregateCreateNodesError } from 'nx/src/project-graph/error-types';
import { basename, dirname, join, relative } from 'node:path';
import { ManifestError } from './manifest-error';
import { checkOptions } from './options-check';
import { Refusals } from './refusals';
import { polyglotEdges } from './create-dependencies';
import { type NxPolyglotOptions, SHARED_ROOT_PREFIX } from './options';
import {
  CargoProject,
  OtherProject,
  PolyglotProject,
  forgetModel,
  loadPolyglotModel,
  rememberModel,
} from './polyglot-model';
import { OTHER_PROJECT_FILES, otherProjects } from './other-projects';
import { crateFileGlobs, excludeNested, nestedRoots } from './project-files';
import { crateBinaries } from './cargo/crate-binaries';
import { isPublishable, survivesPublish } from './cargo/publish-plan';
import { CRATE_INPUT, cargoTargets } from './cargo/cargo-targets';
import { lockFileInputs, pythonTargets } from './python/python-targets';

export const MANIFEST_GLOB = '**/{Cargo.toml,pyproject.toml,package.json,project.json}';

/** One Nx project per Cargo package and per Python package; one per directory where a maturin package sits beside its crate. */
export const createNodes: CreateNodes<NxPolyglotOptions> = [
  MANIFEST_GLOB,
  (files, options, context): CreateNodesResultArray => {
    const manifestFiles = files.filter((f) => !OTHER_PROJECT_FILES.includes(basename(f)));
    forgetModel(); // a failed load must not leave an older model for createDependencies
    const others = otherProjects(context.workspaceRoot, files);
    let projects: PolyglotProject[] = [];
    // every manifest the real tools refuse, said in one message: Nx prints each with its file
    const refusals = new Refusals();
    try {
      checkOptions(options);
      const model = loadPolyglotModel(context.workspaceRoot, manifestFiles, options ?? {}, others, refusals);
      projects = model.projects;
      // a path dependency onto nothing is said here, where Nx stops on it, not
      // in createDependencies, where Nx would carry on with a graph without edges
      polyglotEdges(model.projects, refusals);
      if (refusals.all.length === 0) rememberModel(context.workspaceRoot, options ?? {}, model);
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      refusals.add(e);
    }
    if (refusals.all.length > 0) {
      // Nx prints an AggregateCreateNodesError as "file:" above each message: the message leaves the file out
      throw new AggregateCreateNodesError(
        refusals.all.map((e) => [
          relative(context.workspaceRoot, e.file) + (e.line ? `:${e.line}` : ''),
          withoutStack(
            `${e.key ? `\`${e.key}\`: ` : ''}${e.problem}. ${e.fix}${excludeHint(relative(context.workspaceRoot, e.file), context.workspaceRoot, refusals)}`,
          ),
        ]),
        [],
      );
    }
    const layout = projectLayout(projects, others);
    const publishAfter = cargoPublishOrder(projects, options ?? {}, layout);
    const byRoot = new Map<string, PolyglotProject[]>();
    for (const p of projects) byRoot.set(p.root, [...(byRoot.get(p.root) ?? []), p]);
    return [...byRoot.values()].map((sameRoot) => {
      const configs = sameRoot.map((p) =>
        projectConfiguration(p, context.workspaceRoot, options ?? {}, layout, publishAfter.get(p)),
      );
      const manifest = relative(context.workspaceRoot, sameRoot[0].pkg.manifestPath);
      return [manifest, { projects: { [sameRoot[0].root]: configs.reduce(mergeSameRoot) } }];
    });
  },
];

/** Where each project sits among the others: the roots nested in it, and target names at a shared root. */
interface ProjectLayout {
  nested(project: PolyglotProject): string[];
  /** Projects in one directory are one Nx project: a crate beside its maturin package or a package.json takes `rust-`, a Python package beside a package.json `python-`. */
  targetPrefix(project: PolyglotProject): string;
}

function projectLayout(projects: PolyglotProject[], others: OtherProject[]): ProjectLayout {
  const sorted = [...new Set([...projects.map((p) => p.root), ...others.map((o) => o.root)])].sort();
  const python = new Set(projects.filter((p) => p.kind === 'python').map((p) => p.root));
  const other = new Set(others.map((o) => o.root));
  return {
    nested: (p) => excludeNested(p.root, nestedRoots(p.root, sorted)),
    // beside a package.json (a napi crate) the npm scripts keep their names; beside its maturin package, the Python targets
    targetPrefix: (p) =>
      p.kind === 'cargo'
        ? python.has(p.root) || other.has(p.root)
          ? SHARED_ROOT_PREFIX.cargo
          : ''
        : other.has(p.root)
          ? SHARED_ROOT_PREFIX.python
          : '',
  };
}

/**
 * Publishable crate -> the Nx projects (and their publish target) whose
 * publish must finish first: the crates its uploaded manifest needs from the
 * registry (publish-plan.ts), in its own Cargo workspace or another one of
 * the repository (a standalone crate beside a workspace, path + version onto
 * its members). A crate is publishable when its `publish` field allows the
 * configured registry (crates-io when none is configured, so that the check
 * is Cargo's; the target then refuses to run until a registry is named).
 */
function cargoPublishOrder(
  projects: PolyglotProject[],
  options: NxPolyglotOptions,
  layout: ProjectLayout,
): Map<PolyglotProject, Array<{ project: string; target: string }>> {
  const registry = options.publish?.cargo?.registry ?? 'crates-io';
  const cargo = projects.filter((p): p is CargoProject => p.kind === 'cargo');
  const byManifest = new Map(cargo.map((p) => [p.pkg.manifestPath, p]));
  const order = new Map<PolyglotProject, Array<{ project: string; target: string }>>();
  for (const project of cargo.filter((p) => isPublishable(p.pkg, registry))) {
    const before = new Map<string, { project: string; target: string }>();
    for (const dep of project.pkg.dependencies.filter(survivesPublish)) {
      const target = dep.path === null ? undefined : byManifest.get(join(dep.path, 'Cargo.toml'));
      if (!target || target === project || target.pkg.name !== dep.name || !isPublishable(target.pkg, registry))
        continue;
      before.set(target.name, { project: target.name, target: `${layout.targetPrefix(target)}publish` });
    }
    order.set(
      project,
      [...before.values()].sort((a, b) => a.project.localeCompare(b.project)),
    );
  }
  return order;
}

function projectConfiguration(
  project: PolyglotProject,
  nxRoot: string,
  options: NxPolyglotOptions,
  layout: ProjectLayout,
  publishAfter?: Array<{ project: string; target: string }>,
): ProjectConfiguration {
  if (project.kind === 'cargo') {
    const publish = publishAfter ? { options: options.publish?.cargo, after: publishAfter } : undefined;
    const ownFiles = [...crateFileGlobs(project.pkg.include, project.pkg.exclude), ...layout.nested(project)];
    const binaries = crateBinaries(project.pkg);
    const { targets, namedInputs } = cargoTargets({
      pkg: project.pkg,
      workspaceManifest: project.workspace.rootManifest,
      nxRoot,
      options: options.cargo,
      publish,
      ownFiles,
      projectRoot: project.root,
      runs: binaries.runs,
    });
    const prefix = layout.targetPrefix(project);
    return {
      name: project.name,
      root: project.root,
      // a crate of binaries only (a server, a CLI) is an application
      projectType: !binaries.lib && binaries.bins.length > 0 ? 'application' : 'library',
      tags: ['lang:rust'],
      namedInputs,
      targets: withPrefix(targets, prefix),
      metadata: {
        technologies: ['cargo'],
        cargo: {
          package: project.pkg.name,
          version: project.pkg.version,
          publish: project.pkg.publish,
          workspace: relative(nxRoot, project.workspace.rootManifest),
        },
      },
    };
  }
  const { pkg } = project;
  const { targets, namedInputs } = pythonTargets(
    pkg,
    pkg.tool,
    options.python,
    options.publish?.python,
    layout.nested(project),
    lockFileInputs(nxRoot, pkg.lockDirs),
    // below the root, the package's directory is its own; at the root, the repository is not
    project.root === '.' ? pkg.backendFiles : null,
  );
  return {
    name: project.name,
    root: project.root,
    projectType: 'library',
    tags: ['lang:python'],
    namedInputs,
    targets: withPrefix(targets, layout.targetPrefix(project)),
    metadata: {
      technologies: ['python'],
      python: {
        distribution: pkg.name,
        version: pkg.version,
        tool: pkg.tool,
        ...(pkg.publishable ? {} : { publishable: false }),
        ...(pkg.uvWorkspace ? { uvWorkspace: relative(nxRoot, pkg.uvWorkspace) } : {}),
        ...(pkg.maturinManifest ? { maturin: relative(nxRoot, pkg.maturinManifest) } : {}),
        // edges Nx cannot show: said where a user looks (nx show project), not silently missing
        ...(pkg.unknownDependencies ? { unknownDependencies: pkg.unknownDependencies } : {}),
      },
    },
  };
}

function withPrefix(targets: Record<string, TargetConfiguration>, prefix: string): Record<string, TargetConfiguration> {
  return prefix ? Object.fromEntries(Object.entries(targets).map(([name, t]) => [`${prefix}${name}`, t])) : targets;
}

/** A maturin package and its crate in one directory: one project, the Python package's name, both ecosystems' targets. */
function mergeSameRoot(a: ProjectConfiguration, b: ProjectConfiguration): ProjectConfiguration {
  const [python, cargo] = a.tags?.includes('lang:python') ? [a, b] : [b, a];
  return {
    ...python,
    tags: [...(python.tags ?? []), ...(cargo.tags ?? [])],
    // the files of both: the Python package's, the crate's where the Python
    // package's are narrower than its directory (maturin packages the crate as
    // `cargo package` does), and never cargo's target/
    namedInputs: {
      ...cargo.namedInputs,
      ...python.namedInputs,
      [CRATE_INPUT]: [
        ...(python.namedInputs?.[CRATE_INPUT] ?? []),
        ...(python.namedInputs?.[CRATE_INPUT]?.includes('{projectRoot}/**/*')
          ? []
          : (cargo.namedInputs?.[CRATE_INPUT] ?? []).filter((g) => typeof g === 'string' && !g.startsWith('!'))),
        '!{projectRoot}/target/**',
      ],
    },
    targets: { ...cargo.targets, ...python.targets },
    metadata: { ...cargo.metadata, ...python.metadata, technologies: ['python', 'cargo'] },
  };
}
/**
 * A refused manifest that nothing pulls in (a cargo-generate template, a test
 * fixture; not a Cargo workspace's member) can be left out of the graph with
 * Nx's own `exclude` on the plugin registration: the glob to add.
 */
function excludeHint(file: string, nxRoot: string, refusals: Refusals): string {
  if (!/(^|\/)(Cargo|pyproject)\.toml$/.test(file) || refusals.pulledIn.has(join(nxRoot, file))) return '';
  const dir = dirname(file);
  return `. Or, if it is no package of this repository (a template, a fixture), leave it out: add "${dir === '.' ? file : `${dir}/**`}" to "exclude" of the nx-polyglot plugin in nx.json`;
}

function withoutStack(message: string): Error {
  const copy = new Error(message);
  copy.name = 'ManifestError';
  copy.stack = `${copy.name}: ${message}`;
  return copy;
}
