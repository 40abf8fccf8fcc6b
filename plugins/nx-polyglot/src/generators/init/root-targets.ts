import type { TargetConfiguration } from '@nx/devkit';
import { addToJson, readJsonText } from './json-edit';

/** The workspace-level targets the release runs through (`nx run <root>:release`). */
export const ROOT_TARGETS: Record<string, TargetConfiguration> = {
  'version-check': { executor: 'nx-polyglot:version-check', cache: false },
  bump: { executor: 'nx-polyglot:bump', cache: false },
  release: { executor: 'nx-polyglot:release-flow', cache: false, options: { step: 'release' } },
  'post-release': { executor: 'nx-polyglot:release-flow', cache: false, options: { step: 'post-release' } },
  rollback: { executor: 'nx-polyglot:release-flow', cache: false, options: { step: 'rollback' } },
};

export interface RootTargetsChange {
  file: 'package.json' | 'project.json';
  /** The project the targets are on. */
  project: string;
  /** The new text, or undefined when nothing changes. */
  text: string | undefined;
  added: string[];
  kept: string[];
}

/**
 * The root project with the workspace-level targets: in the root
 * package.json's `nx.targets` when there is one (which makes it a project for
 * Nx), else in a root project.json. A target name the user already uses (a
 * target, or a package.json script Nx turns into one) is theirs: it is named,
 * not replaced.
 */
export function planRootTargets(
  files: { packageJson?: string; projectJson?: string },
  naming: { rootProjectName?: string; directoryName: string; takenNames: readonly string[] },
): RootTargetsChange {
  const inPackageJson = files.packageJson !== undefined;
  const file = inPackageJson ? 'package.json' : 'project.json';
  const text = inPackageJson ? files.packageJson : files.projectJson;
  const json = readJsonText(text) ?? {};
  const nx = inPackageJson ? ((json.nx ?? {}) as Record<string, unknown>) : json;
  const targets = (nx.targets ?? {}) as Record<string, unknown>;
  const scripts = inPackageJson ? ((json.scripts ?? {}) as Record<string, unknown>) : {};
  const base = inPackageJson ? ['nx', 'targets'] : ['targets'];

  const project =
    (typeof nx.name === 'string' ? nx.name : undefined) ??
    (typeof json.name === 'string' ? json.name : undefined) ??
    naming.rootProjectName ??
    freeName(naming.directoryName, naming.takenNames);
  const additions: Array<[string[], unknown]> = [];
  if (text === undefined) additions.push([['name'], project]);
  const added: string[] = [];
  const kept: string[] = [];
  const existing = Object.keys(ROOT_TARGETS).filter((name) => name in targets);
  if (existing.length) kept.push(`the targets ${existing.join(', ')} of \`${project}\` exist: left as they are`);
  for (const [name, target] of Object.entries(ROOT_TARGETS)) {
    if (name in targets) continue;
    if (name in scripts) kept.push(`the script \`${name}\` is an Nx target already: \`${name}\` was not added`);
    else {
      additions.push([[...base, name], target]);
      added.push(name);
    }
  }
  return {
    file,
    project,
    text: additions.length ? addToJson(text, additions) : undefined,
    added: added.length ? [`the targets ${added.join(', ')} on the project \`${project}\``] : [],
    kept,
  };
}

/** The repository directory's name as a project name, unless a project has it (then `<name>-workspace`). */
function freeName(directory: string, taken: readonly string[]): string {
  const base =
    directory
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'workspace';
  return taken.includes(base) ? `${base}-workspace` : base;
}
