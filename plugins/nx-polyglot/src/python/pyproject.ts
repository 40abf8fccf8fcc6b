import { dirname, join } from 'node:path';
import { ManifestError, Table, isTable, parseToml } from '../manifest-error';

/** A dependency on a local directory, the only kind that can be a workspace edge. */
export interface PythonPathDependency {
  /** Normalized (PEP 503) distribution name. */
  name: string;
  /** Absolute directory, or null for a uv `{ workspace = true }` source (resolved by name). */
  path: string | null;
  /** The manifest key that declares it, for messages. */
  key: string;
}

export type PythonTool = 'poetry' | 'uv' | 'pep517';

/** Everything the plugin needs from one pyproject.toml. */
export interface PythonPackage {
  /** The distribution name as written. */
  name: string;
  version: string | null;
  /** Every place the version is written: `project.version`, `tool.poetry.version` (both when both exist). */
  versionKeys: Array<{ key: string; version: string }>;
  manifestPath: string;
  /** Who builds and runs it: Poetry ([tool.poetry]), uv ([tool.uv]), or plain PEP 517 tooling. */
  tool: PythonTool;
  /** Normalized names of every declared dependency, dev groups included (to find pytest, black, ruff...). */
  declared: string[];
  pathDependencies: PythonPathDependency[];
}

/** PEP 503 normalization: `Foo_Bar.baz` and `foo-bar-baz` are the same distribution. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export function parsePyproject(text: string, file: string): PythonPackage {
  const doc = parseToml(text, file);
  const project = isTable(doc.project) ? doc.project : undefined;
  const tool = isTable(doc.tool) ? doc.tool : {};
  const poetry = isTable(tool.poetry) ? tool.poetry : undefined;
  const uv = isTable(tool.uv) ? tool.uv : undefined;

  // Poetry 2 reads [project] first and falls back to [tool.poetry].
  const name = project?.name ?? poetry?.name;
  if (typeof name !== 'string' || name === '') {
    throw new ManifestError(
      file,
      'has no package name: neither [project] nor [tool.poetry] sets `name`',
      'Add name = "..." under [project] (PEP 621) or [tool.poetry]',
      'project.name',
    );
  }
  const version = typeof project?.version === 'string' ? project.version : typeof poetry?.version === 'string' ? poetry.version : null;

  const declared = new Set<string>();
  const pathDependencies: PythonPathDependency[] = [];
  const dir = dirname(file);

  // PEP 621 / PEP 735 requirement strings, with uv sources giving their location
  const requirements: Array<[string, string]> = [];
  const collect = (list: unknown, key: string) => {
    if (Array.isArray(list)) for (const r of list) if (typeof r === 'string') requirements.push([r, key]);
  };
  collect(project?.dependencies, 'project.dependencies');
  if (isTable(project?.['optional-dependencies'])) {
    for (const [extra, list] of Object.entries(project['optional-dependencies'] as Table)) collect(list, `project.optional-dependencies.${extra}`);
  }
  if (isTable(doc['dependency-groups'])) {
    for (const [group, list] of Object.entries(doc['dependency-groups'] as Table)) collect(list, `dependency-groups.${group}`);
  }
  collect(uv?.['dev-dependencies'], 'tool.uv.dev-dependencies');
  const sources = isTable(uv?.sources) ? (uv.sources as Table) : {};
  for (const [requirement, key] of requirements) {
    const match = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(requirement);
    if (!match) continue;
    const dep = normalizeName(match[1]);
    declared.add(dep);
    const fileUrl = /@\s*file:(?:\/\/)?(\S+)/.exec(requirement);
    // the source's key as written (`core_lib`), which may differ from the requirement's (`core-lib`)
    const [sourceKey, source] = Object.entries(sources).find(([n]) => normalizeName(n) === dep) ?? [];
    if (fileUrl) {
      pathDependencies.push({ name: dep, path: fileUrl[1].startsWith('/') ? fileUrl[1] : join(dir, fileUrl[1]), key });
    } else if (isTable(source) && typeof source.path === 'string') {
      pathDependencies.push({ name: dep, path: join(dir, source.path), key: `tool.uv.sources.${sourceKey}` });
    } else if (isTable(source) && source.workspace === true) {
      pathDependencies.push({ name: dep, path: null, key: `tool.uv.sources.${sourceKey}` });
    }
  }

  // Poetry tables: [tool.poetry.dependencies], legacy dev-dependencies, and groups
  const poetryTables: Array<[unknown, string]> = [
    [poetry?.dependencies, 'tool.poetry.dependencies'],
    [poetry?.['dev-dependencies'], 'tool.poetry.dev-dependencies'],
  ];
  if (isTable(poetry?.group)) {
    for (const [group, section] of Object.entries(poetry.group as Table)) {
      if (isTable(section)) poetryTables.push([section.dependencies, `tool.poetry.group.${group}.dependencies`]);
    }
  }
  for (const [table, tableKey] of poetryTables) {
    if (!isTable(table)) continue;
    for (const [depName, spec] of Object.entries(table)) {
      if (normalizeName(depName) === 'python') continue;
      declared.add(normalizeName(depName));
      // a dependency may be a list of constraints for different markers
      for (const constraint of Array.isArray(spec) ? spec : [spec]) {
        if (isTable(constraint) && typeof constraint.path === 'string') {
          pathDependencies.push({ name: normalizeName(depName), path: join(dir, constraint.path), key: `${tableKey}.${depName}` });
        }
      }
    }
  }

  const versionKeys = [
    ...(typeof project?.version === 'string' ? [{ key: 'project.version', version: project.version }] : []),
    ...(typeof poetry?.version === 'string' ? [{ key: 'tool.poetry.version', version: poetry.version }] : []),
  ];
  return { name, version, versionKeys, manifestPath: file, tool: poetry ? 'poetry' : uv ? 'uv' : 'pep517', declared: [...declared].sort(), pathDependencies };
}
