import type { CreateNodes, CreateNodesResultArray, ProjectConfiguration } from '@nx/devkit';
// from nx itself, not @nx/devkit: devkit's index loads Nx's generator machinery,
// ~0.2 s of every plugin worker's start, for one class
import { AggregateCreateNodesError } from 'nx/src/project-graph/error-types';
import { relative } from 'node:path';
import { ManifestError } from './manifest-error';
import type { NxPolyglotOptions } from './options';
import { CargoProject, PolyglotProject, loadPolyglotModel } from './polyglot-model';
import { publishConstraints } from './cargo/publish-plan';
import { cargoTargets } from './cargo/cargo-targets';
import { pythonTargets } from './python/python-targets';

export const MANIFEST_GLOB = '**/{Cargo.toml,pyproject.toml}';

/** One Nx project per Cargo workspace member and per pyproject.toml package. */
export const createNodes: CreateNodes<NxPolyglotOptions> = [
  MANIFEST_GLOB,
  (manifestFiles, options, context): CreateNodesResultArray => {
    let projects: PolyglotProject[];
    try {
      projects = loadPolyglotModel(context.workspaceRoot, manifestFiles, options ?? {}).projects;
    } catch (e) {
      // Nx prints an AggregateCreateNodesError as "file: message", without our stack
      if (e instanceof ManifestError) {
        const file = relative(context.workspaceRoot, e.file);
        throw new AggregateCreateNodesError([[file, withoutStack(new ManifestError(file, e.problem, e.fix, e.key, e.line))]], []);
      }
      throw e;
    }
    const publishAfter = cargoPublishOrder(projects, options ?? {});
    return projects.map((project) => {
      const manifest = relative(context.workspaceRoot, project.pkg.manifestPath);
      const config = projectConfiguration(project, context.workspaceRoot, options ?? {}, publishAfter.get(project));
      return [manifest, { projects: { [project.root]: config } }];
    });
  },
];

/**
 * Publishable crate -> the Nx projects whose publish must finish first. A crate
 * is publishable when its `publish` field allows the configured registry
 * (crates-io when none is configured, so that the check is Cargo's; the
 * target then refuses to run until a registry is named).
 */
function cargoPublishOrder(projects: PolyglotProject[], options: NxPolyglotOptions): Map<PolyglotProject, string[]> {
  const registry = options.publish?.cargo?.registry ?? 'crates-io';
  const order = new Map<PolyglotProject, string[]>();
  const cargo = projects.filter((p): p is CargoProject => p.kind === 'cargo');
  for (const ws of new Set(cargo.map((p) => p.workspace))) {
    const projectOf = new Map(cargo.filter((p) => p.workspace === ws).map((p) => [p.pkg.name, p]));
    for (const [crate, before] of publishConstraints(ws, registry)) {
      order.set(projectOf.get(crate) as CargoProject, before.map((c) => (projectOf.get(c) as CargoProject).name));
    }
  }
  return order;
}

function projectConfiguration(project: PolyglotProject, nxRoot: string, options: NxPolyglotOptions, publishAfter?: string[]): ProjectConfiguration {
  if (project.kind === 'cargo') {
    const publish = publishAfter ? { options: options.publish?.cargo, after: publishAfter } : undefined;
    const { targets, namedInputs } = cargoTargets(project.pkg, project.workspace.rootManifest, nxRoot, options.cargo, publish);
    return {
      name: project.name,
      root: project.root,
      projectType: 'library',
      tags: ['lang:rust'],
      namedInputs,
      targets,
      metadata: {
        technologies: ['cargo'],
        cargo: { package: project.pkg.name, version: project.pkg.version, publish: project.pkg.publish },
      },
    };
  }
  const { targets, namedInputs } = pythonTargets(project.pkg, project.pkg.tool, options.python, options.publish?.python);
  return {
    name: project.name,
    root: project.root,
    projectType: 'library',
    tags: ['lang:python'],
    namedInputs,
    targets,
    metadata: { technologies: ['python'], python: { distribution: project.pkg.name, version: project.pkg.version, tool: project.pkg.tool } },
  };
}

function withoutStack(e: Error): Error {
  const copy = new Error(e.message);
  copy.name = e.name;
  copy.stack = `${e.name}: ${e.message}`;
  return copy;
}
