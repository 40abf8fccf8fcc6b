import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { OtherProject } from './polyglot-model';

export const OTHER_PROJECT_FILES = ['package.json', 'project.json'];

/**
 * The projects Nx makes itself from package.json and project.json files, with
 * the names Nx gives them, so that ours can avoid those names. A package.json
 * is a project when Nx's own rule says so (package-manager workspaces, the
 * root with an `nx` key, or a project.json beside it); its name is `nx.name`,
 * else `name`, else its directory's.
 */
export function otherProjects(
  workspaceRoot: string,
  files: readonly string[],
  readText: (file: string) => string = (f) => readFileSync(join(workspaceRoot, f), 'utf8'),
): OtherProject[] {
  const readJson = (file: string) => parseJson(readText, file);
  const packageJsons = files.filter((f) => basename(f) === 'package.json');
  const projectJsons = files.filter((f) => basename(f) === 'project.json');
  const projectJsonRoots = new Set(projectJsons.map(rootOf));
  const others: OtherProject[] = [];
  for (const file of projectJsons) {
    const name = readJson(file)?.name;
    if (typeof name === 'string') others.push({ root: rootOf(file), name });
  }
  if (packageJsons.length === 0) return others;
  const isWorkspacePackage = packageJsonMatcher(workspaceRoot, readText);
  for (const file of packageJsons) {
    if (!isWorkspacePackage(file) && !projectJsonRoots.has(rootOf(file))) continue;
    if (projectJsonRoots.has(rootOf(file)) && others.some((o) => o.root === rootOf(file))) continue; // project.json names it
    const json = readJson(file);
    if (!json) continue;
    const name = json.nx?.name ?? json.name ?? basename(dirname(join(workspaceRoot, file))).toLowerCase();
    if (typeof name === 'string') others.push({ root: rootOf(file), name });
  }
  return others;
}

/** Nx's own matcher: loaded only when there are package.json files, as it brings a part of Nx with it. */
function packageJsonMatcher(workspaceRoot: string, readText: (file: string) => string): (file: string) => boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nx = require('nx/src/plugins/package-json/create-nodes') as {
    buildPackageJsonPatterns(root: string, readJson: (f: string) => unknown): unknown;
    buildPackageJsonWorkspacesMatcher(patterns: unknown): (file: string) => boolean;
  };
  const patterns = nx.buildPackageJsonPatterns(workspaceRoot, (f) => JSON.parse(readText(f)));
  return nx.buildPackageJsonWorkspacesMatcher(patterns);
}

function parseJson(
  readText: (file: string) => string,
  file: string,
): { name?: unknown; nx?: { name?: unknown } } | undefined {
  try {
    return JSON.parse(readText(file));
  } catch {
    return undefined; // Nx reports unreadable files itself
  }
}

function rootOf(file: string): string {
  return dirname(file) || '.';
}
