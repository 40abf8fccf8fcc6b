import type { CreateNodes, CreateNodesResultArray, ProjectConfiguration } from '@nx/devkit';
import { AggregateCreateNodesError } from '@nx/devkit';
import { relative } from 'node:path';
import { ManifestError } from './manifest-error';
import type { NxPolyglotOptions } from './options';
import { PolyglotProject, loadPolyglotModel } from './polyglot-model';
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
    return projects.map((project) => {
      const manifest = relative(context.workspaceRoot, project.pkg.manifestPath);
      return [manifest, { projects: { [project.root]: projectConfiguration(project, context.workspaceRoot, options ?? {}) } }];
    });
  },
];

function projectConfiguration(project: PolyglotProject, nxRoot: string, options: NxPolyglotOptions): ProjectConfiguration {
  if (project.kind === 'cargo') {
    const { targets, namedInputs } = cargoTargets(project.pkg, project.workspace.rootManifest, nxRoot, options.cargo);
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
  const { targets, namedInputs } = pythonTargets(project.pkg, project.pkg.tool, options.python);
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
