import { DependencyType } from 'nx/src/config/project-graph'; // not @nx/devkit: see create-nodes.ts
import type { CreateDependencies, StaticDependency } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ManifestError } from './manifest-error';
import type { Refusals } from './refusals';
import type { NxPolyglotOptions } from './options';
import { CargoProject, PolyglotProject, PythonProject, loadPolyglotModel, rememberedModel } from './polyglot-model';
import { normalizeName } from './python/pyproject';
import { missingCrateFix } from './cargo/workspace-members';

/**
 * Static edges between Cargo and Python projects, with the dependent's
 * manifest as source file. Only path dependencies onto a project of this
 * workspace count: a registry crate that shares a member's name is not an edge.
 * Projects are matched by root, so a name Nx gives otherwise (a project.json
 * `name`) keeps its edges.
 */
export const createDependencies: CreateDependencies<NxPolyglotOptions> = (options, context) => {
  // the model createNodes just built in this process, else the manifests of
  // the projects it made (so a registration's include/exclude holds here too)
  // and the workspace roots they name
  const remembered = rememberedModel(context.workspaceRoot, options ?? {});
  const manifests = new Set<string>();
  for (const project of remembered ? [] : Object.values(context.projects)) {
    const { cargo, python } = (project.metadata ?? {}) as {
      cargo?: { workspace?: string };
      python?: { uvWorkspace?: string };
    };
    if (cargo) manifests.add(join(project.root, 'Cargo.toml')).add(cargo.workspace ?? join(project.root, 'Cargo.toml'));
    if (python)
      manifests
        .add(join(project.root, 'pyproject.toml'))
        .add(python.uvWorkspace ?? join(project.root, 'pyproject.toml'));
  }
  let edges: StaticDependency[];
  try {
    edges = polyglotEdges(
      (remembered ?? loadPolyglotModel(context.workspaceRoot, [...manifests], options ?? {})).projects,
    );
  } catch (e) {
    // said once, with the path as the user sees it
    if (e instanceof ManifestError)
      throw new ManifestError(relative(context.workspaceRoot, e.file), e.problem, e.fix, e.key, e.line);
    throw e;
  }
  const nameAt = new Map(Object.entries(context.projects).map(([name, p]) => [p.root, name]));
  return edges.flatMap((e) => {
    const source = nameAt.get(e.source);
    const target = nameAt.get(e.target);
    if (!source || !target || source === target) return [];
    return [{ ...e, source, target, sourceFile: relative(context.workspaceRoot, e.sourceFile as string) }];
  });
};

/**
 * Every workspace edge of the model, one per (dependent, dependency) pair,
 * between project roots (Nx names are given by root in createDependencies).
 */
export function polyglotEdges(projects: PolyglotProject[], refusals?: Refusals): StaticDependency[] {
  const edges = new Map<string, StaticDependency>();
  // with a collector, every refused dependency is kept and the others still drawn
  const refuse = (error: ManifestError) => {
    if (!refusals) throw error;
    refusals.add(error);
  };
  const add = (source: PolyglotProject, target: PolyglotProject) => {
    if (source.root === target.root) return;
    edges.set(`${source.root}\0${target.root}`, {
      source: source.root,
      target: target.root,
      type: DependencyType.static,
      sourceFile: source.pkg.manifestPath,
    });
  };
  const cargo = projects.filter((p): p is CargoProject => p.kind === 'cargo');
  const python = projects.filter((p): p is PythonProject => p.kind === 'python');
  const cargoByManifest = new Map(cargo.map((p) => [p.pkg.manifestPath, p]));

  for (const project of cargo) {
    for (const dep of project.pkg.dependencies) {
      if (dep.path === null) continue;
      const manifest = join(dep.path, 'Cargo.toml');
      const target = cargoByManifest.get(manifest);
      if (!target) {
        if (!existsSync(manifest)) {
          refuse(
            new ManifestError(
              project.pkg.manifestPath,
              `is a path dependency on ${dep.path}, which has no Cargo.toml`,
              missingCrateFix(dep.path),
              dep.manifestKey,
            ),
          );
        }
        continue; // a crate outside every workspace Nx knows of
      }
      if (target.pkg.name !== dep.name) {
        refuse(
          new ManifestError(
            project.pkg.manifestPath,
            `points to ${relative(dirname(project.workspace.rootManifest), manifest)}, which is the package \`${target.pkg.name}\`, not \`${dep.name}\``,
            `Use package = "${target.pkg.name}" to rename it, or fix the path`,
            dep.manifestKey,
          ),
        );
        continue;
      }
      add(project, target);
    }
  }

  const pythonByDir = new Map(python.map((p) => [dirname(p.pkg.manifestPath), p]));
  for (const project of python) {
    for (const dep of project.pkg.pathDependencies) {
      // uv refuses a workspace source outside a workspace: a package of that name elsewhere would be a guess
      if (dep.path === null && project.pkg.uvWorkspace === null) {
        throw new ManifestError(
          project.pkg.manifestPath,
          `references a workspace, but this package is no member of a uv workspace (\`uv lock\` refuses it: "\`${dep.name}\` references a workspace in \`tool.uv.sources\`, but is not a workspace member")`,
          `Add this package to the \`members\` of the [tool.uv.workspace] that holds \`${dep.name}\`, or point to it with { path = "..." }`,
          dep.key,
        );
      }
      // `{ workspace = true }`: the member of the same uv workspace with that name, else none (uv refuses it too)
      const target =
        dep.path === null
          ? python.find((p) => normalizeName(p.pkg.name) === dep.name && p.pkg.uvWorkspace === project.pkg.uvWorkspace)
          : pythonByDir.get(join(dep.path));
      // a path may also be a wheel, an sdist or a setup.py project: only a path to nothing is an error
      if (!target && dep.path !== null && !existsSync(dep.path)) {
        refuse(
          new ManifestError(
            project.pkg.manifestPath,
            `is a path dependency on ${dep.path}, which does not exist`,
            'Fix the path, or create the package there',
            dep.key,
          ),
        );
      }
      if (target) add(project, target);
    }
    // maturin compiles the crate into the package: a change to the crate re-runs the package's checks
    const crate = project.pkg.maturinManifest && cargoByManifest.get(project.pkg.maturinManifest);
    if (crate) add(project, crate);
  }
  return [...edges.values()];
}
