import { ManifestError, Table, isTable, parseToml } from '../manifest-error';

export type DependencyKind = 'normal' | 'dev' | 'build';

/** One entry of a dependency table, as written (inheritance not yet resolved). */
export interface ManifestDependency {
  /** The key in the table: the name the dependent uses (the rename, when `package` is set). */
  key: string;
  /** `package = "..."`, when the dependency is renamed. */
  package?: string;
  kind: DependencyKind;
  /** The `cfg(...)` or triple of a `[target.<cfg>.*dependencies]` table, else null. */
  target: string | null;
  path?: string;
  version?: string;
  /** The table it is written in, as TOML keys: ['dependencies'], ['target', 'cfg(unix)', 'dev-dependencies']. */
  table: string[];
  /** Other sources (git, or a registry without a path) — such a dependency is never a workspace edge. */
  otherSource: boolean;
  /** `registry = "..."`: the crate comes from that registry, not crates.io (once published, too). */
  registry?: string;
  /** `workspace = true`: everything but features/optional comes from `[workspace.dependencies]`. */
  workspace: boolean;
  optional: boolean;
}

/** A field that is either a value or `{ workspace = true }` (inherited from `[workspace.package]`). */
export type Inheritable<T> = T | { workspace: true };

export interface CargoPackageSection {
  name: string;
  version?: Inheritable<string>;
  publish?: Inheritable<boolean | string[]>;
  /** `default-run`: the binary `cargo run` picks among several. */
  defaultRun?: string;
  /** `autolib` / `autobins`: whether cargo finds src/lib.rs, src/main.rs and src/bin/ by itself (default true). */
  autolib?: boolean;
  autobins?: boolean;
  /** `include` / `exclude`: gitignore-style patterns choosing the files `cargo package` takes. */
  include?: Inheritable<string[]>;
  exclude?: Inheritable<string[]>;
}

/** A full semantic version, as the `semver` crate Cargo uses parses it: no `v`, no missing parts, no leading zeros. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
export const isSemver = (v: unknown): v is string => typeof v === 'string' && SEMVER.test(v);

/** The editions this Cargo (1.95) knows; any other value is refused. */
const EDITIONS = ['2015', '2018', '2021', '2024'];
export const isEdition = (v: unknown): v is string => typeof v === 'string' && EDITIONS.includes(v);

export interface CargoWorkspaceSection {
  members: string[];
  exclude: string[];
  package: Table;
  /** `[workspace.dependencies]`, keyed like a member's dependency table. */
  dependencies: ManifestDependency[];
}

const workspaceDependencyIndex = new WeakMap<CargoWorkspaceSection, Map<string, ManifestDependency>>();

/** The `[workspace.dependencies]` entry named `key`; indexed once per parsed manifest (workspaces have thousands). */
export function workspaceDependency(root: CargoManifest, key: string): ManifestDependency | undefined {
  const ws = root.workspace;
  if (!ws) return undefined;
  let index = workspaceDependencyIndex.get(ws);
  if (!index) workspaceDependencyIndex.set(ws, (index = new Map(ws.dependencies.map((d) => [d.key, d]))));
  return index.get(key);
}

/** Everything the plugin needs from one `Cargo.toml`, parsed once. */
export interface CargoManifest {
  file: string;
  /** A `[lib]` table, and the names of `[[bin]]` tables (their `name`, else the package's). */
  lib?: boolean;
  bins?: string[];
  package?: CargoPackageSection;
  workspace?: CargoWorkspaceSection;
  dependencies: ManifestDependency[];
}

const DEPENDENCY_TABLES: Array<[string, DependencyKind]> = [
  ['dependencies', 'normal'],
  ['dev-dependencies', 'dev'],
  ['dev_dependencies', 'dev'],
  ['build-dependencies', 'build'],
  ['build_dependencies', 'build'],
];

export function parseCargoManifest(text: string, file: string): CargoManifest {
  const doc = parseToml(text, file);
  const manifest: CargoManifest = { file, dependencies: [] };

  if (doc.package !== undefined || doc.project !== undefined) {
    manifest.package = readPackage(doc.package ?? doc.project, file);
  }
  if (doc.workspace !== undefined) {
    manifest.workspace = readWorkspace(doc.workspace, file);
  }
  if (!manifest.package && !manifest.workspace) {
    throw new ManifestError(
      file,
      'has neither a [package] nor a [workspace] table',
      'Add a [package] section with a name, or remove the file',
    );
  }

  if (manifest.package) {
    if (doc.lib !== undefined) manifest.lib = true;
    if (doc.bin !== undefined) {
      if (!Array.isArray(doc.bin) || !doc.bin.every(isTable))
        throw new ManifestError(file, 'must be an array of tables', 'Write each binary as a [[bin]] section', 'bin');
      manifest.bins = doc.bin.map((b) => (typeof b.name === 'string' ? b.name : manifest.package!.name));
    }
  }
  for (const [table, kind] of DEPENDENCY_TABLES) {
    manifest.dependencies.push(...readDependencyTable(doc[table], kind, null, file, [table]));
  }
  const targets = doc.target;
  if (targets !== undefined) {
    if (!isTable(targets))
      throw new ManifestError(file, 'must be a table', "Use [target.'cfg(...)'.dependencies]", 'target');
    for (const [cfg, section] of Object.entries(targets)) {
      if (!isTable(section)) continue;
      for (const [table, kind] of DEPENDENCY_TABLES) {
        manifest.dependencies.push(...readDependencyTable(section[table], kind, cfg, file, ['target', cfg, table]));
      }
    }
  }
  return manifest;
}

function readPackage(section: unknown, file: string): CargoPackageSection {
  if (!isTable(section)) throw new ManifestError(file, 'must be a table', 'Write it as a [package] section', 'package');
  const { name, version, publish, edition, include, exclude } = section;
  const flag = (key: string): boolean | undefined => {
    const v = section[key];
    if (v === undefined || typeof v === 'boolean') return v;
    throw new ManifestError(
      file,
      `must be true or false, not ${JSON.stringify(v)}`,
      `Write it as ${key} = false`,
      `package.${key}`,
    );
  };
  const defaultRun = section['default-run'];
  if (defaultRun !== undefined && typeof defaultRun !== 'string') {
    throw new ManifestError(
      file,
      `must be a binary's name, not ${JSON.stringify(defaultRun)}`,
      'Write it as default-run = "my-server"',
      'package.default-run',
    );
  }
  if (typeof name !== 'string' || name === '') {
    throw new ManifestError(
      file,
      'is missing or not a string',
      'Give the package a name: name = "my-crate"',
      'package.name',
    );
  }
  // cargo: "characters must be Unicode XID characters (numbers, `-`, `_`, or most letters)", not starting with a digit
  if (!/^[\p{XID_Start}_][\p{XID_Continue}-]*$/u.test(name)) {
    throw new ManifestError(
      file,
      `is not a valid crate name (\`${name}\`)`,
      'Use letters, digits, `-` and `_`, starting with a letter or `_`',
      'package.name',
    );
  }
  inheritable(edition, isEdition, file, 'package.edition', `one of ${EDITIONS.map((e) => `"${e}"`).join(', ')}`);
  const patterns = (v: unknown): v is string[] => Array.isArray(v) && v.every((p) => typeof p === 'string');
  return {
    name,
    version: inheritable(version, isSemver, file, 'package.version', 'a full semantic version like "0.1.0"'),
    publish: inheritable(
      publish,
      (v): v is boolean | string[] =>
        typeof v === 'boolean' || (Array.isArray(v) && v.every((r) => typeof r === 'string')),
      file,
      'package.publish',
      'true, false or a list of registry names',
    ),
    defaultRun,
    autolib: flag('autolib'),
    autobins: flag('autobins'),
    include: inheritable(
      include,
      patterns,
      file,
      'package.include',
      'a list of path patterns like ["src/**/*", "Cargo.toml"]',
    ),
    exclude: inheritable(
      exclude,
      patterns,
      file,
      'package.exclude',
      'a list of path patterns like ["tests/fixtures/**"]',
    ),
  };
}

function inheritable<T>(
  value: unknown,
  ok: (v: unknown) => v is T,
  file: string,
  key: string,
  expected: string,
): Inheritable<T> | undefined {
  if (value === undefined || ok(value)) return value as T | undefined;
  if (isTable(value) && value.workspace === true) return { workspace: true };
  throw new ManifestError(
    file,
    `has an unexpected value (${JSON.stringify(value)})`,
    `Use ${expected}, or { workspace = true } to inherit it`,
    key,
  );
}

function readWorkspace(section: unknown, file: string): CargoWorkspaceSection {
  if (!isTable(section))
    throw new ManifestError(file, 'must be a table', 'Write it as a [workspace] section', 'workspace');
  return {
    members: stringList(section.members, file, 'workspace.members'),
    exclude: stringList(section.exclude, file, 'workspace.exclude'),
    package: isTable(section.package) ? section.package : {},
    dependencies: readDependencyTable(section.dependencies, 'normal', null, file, ['workspace', 'dependencies']),
  };
}

function stringList(value: unknown, file: string, key: string): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw new ManifestError(file, 'must be a list of strings', 'Write it as ["path", "glob/*"]', key);
}

function readDependencyTable(
  table: unknown,
  kind: DependencyKind,
  target: string | null,
  file: string,
  tablePath: string[],
): ManifestDependency[] {
  const tableKey = tablePath.map((k, i) => (i === 1 && tablePath[0] === 'target' ? `'${k}'` : k)).join('.');
  if (table === undefined) return [];
  if (!isTable(table))
    throw new ManifestError(file, 'must be a table', 'Write it as a [section] of name = "version" entries', tableKey);
  return Object.entries(table).map(([key, spec]) => {
    const dep: ManifestDependency = {
      key,
      kind,
      target,
      table: tablePath,
      otherSource: false,
      workspace: false,
      optional: false,
    };
    if (typeof spec === 'string') {
      dep.version = spec;
      return dep;
    }
    if (!isTable(spec)) {
      throw new ManifestError(
        file,
        'must be a version string or an inline table',
        'Write it as "1.0" or { path = "...", version = "..." }',
        `${tableKey}.${key}`,
      );
    }
    const str = (field: string): string | undefined => {
      const v = spec[field];
      if (v === undefined) return undefined;
      if (typeof v !== 'string')
        throw new ManifestError(file, 'must be a string', `Quote the value of ${field}`, `${tableKey}.${key}.${field}`);
      return v;
    };
    dep.package = str('package');
    dep.path = str('path');
    dep.version = str('version');
    dep.registry = str('registry');
    // beside `path`, `registry` only says where the published crate finds it: locally it is a path dependency
    const registry = spec.registry !== undefined || spec['registry-index'] !== undefined;
    dep.otherSource = spec.git !== undefined || (registry && dep.path === undefined);
    dep.workspace = spec.workspace === true;
    dep.optional = spec.optional === true;
    return dep;
  });
}
