import { gitignoreGlobs } from '../project-files';
import { Table, isTable } from '../manifest-error';

/**
 * A Python package's own files, as Nx input globs, when its build backend's
 * selection is written in pyproject.toml — as crates follow `cargo package`
 * (project-files.ts). A package at the repository root otherwise takes every
 * file of the repository (docs, deployment and CI files) as its own.
 *
 * - maturin: python-source (else the module's directory), `include` and
 *   `exclude`, Cargo.toml and Cargo.lock (the crate's own files are the crate
 *   project's, merged or linked by an edge);
 * - hatchling: `packages`, `only-include`, `include`, `force-include`,
 *   `exclude` of `[tool.hatch.build]` and its wheel target;
 * - setuptools: `packages` (a list, or `find` with `where`/`include`/`exclude`),
 *   `py-modules`, `package-dir`;
 * - poetry-core: `packages`, `include`, `exclude`;
 * - uv_build: `module-root`/`module-name` (defaults: `src`, the package name).
 * Always: pyproject.toml, the files its metadata names (readme, license),
 * the tests pytest collects and the configuration files of the checks.
 * Null when the selection is the backend's discovery, which pyproject.toml
 * does not spell out: then every file of the package's directory is its own.
 */
export function backendFiles(doc: Table, name: string): string[] | null {
  const backend = isTable(doc['build-system']) ? doc['build-system']['build-backend'] : undefined;
  const tool = isTable(doc.tool) ? doc.tool : {};
  const selected = typeof backend === 'string' ? BACKENDS[backend.split(':')[0]]?.(tool, name) : undefined;
  if (!selected) return null;
  const positive = [...selected.include, ...CHECKED, ...metadataFiles(doc), ...testFiles(tool)];
  return [...new Set(positive.flatMap(gitignoreGlobs))].concat(
    [...new Set(selected.exclude.flatMap(gitignoreGlobs))].map((g) => `!${g}`),
  );
}

/** What every check of the package reads besides the sources: the manifest and the checks' configuration files. */
const CHECKED = [
  '/pyproject.toml',
  '/setup.py',
  '/setup.cfg',
  '/MANIFEST.in',
  '/.python-version',
  '/pytest.ini',
  '/tox.ini',
  '/.coveragerc',
  '/ruff.toml',
  '/.ruff.toml',
  '/mypy.ini',
  '/.flake8',
  '/.pylintrc',
  '/pylintrc',
];

type Selection = { include: string[]; exclude: string[] };
const BACKENDS: Record<string, (tool: Table, name: string) => Selection | undefined> = {
  maturin: (tool, name) => {
    const m = table(tool.maturin);
    const module = (str(m['module-name']) ?? moduleName(name)).split('.')[0];
    const source = str(m['python-source'])
      ?.replace(/^\.\/?/, '')
      .replace(/\/$/, '');
    return {
      include: ['/Cargo.toml', '/Cargo.lock', source ? `/${source}/` : `/${module}/`, ...patterns(m.include)],
      exclude: patterns(m.exclude),
    };
  },
  'hatchling.build': (tool) => {
    const build = table(table(tool.hatch).build);
    const wheel = table(table(build.targets).wheel);
    const include = [build, wheel].flatMap((t) => [
      ...strings(t.packages).map((p) => `/${p}/`),
      ...strings(t['only-include']).map((p) => `/${p}`),
      ...strings(t.include),
      ...Object.keys(table(t['force-include'])).map((p) => `/${p}`),
    ]);
    return include.length ? { include, exclude: [build, wheel].flatMap((t) => strings(t.exclude)) } : undefined;
  },
  'setuptools.build_meta': (tool) => {
    const st = table(tool.setuptools);
    const base = str(table(st['package-dir'])['']) ?? '.';
    const at = (dir: string, path: string) => (dir === '.' ? `/${path}` : `/${dir}/${path}`);
    const modules = strings(st['py-modules']).map((m) => at(base, `${m.replace(/\./g, '/')}.py`));
    if (Array.isArray(st.packages)) {
      return {
        include: [...strings(st.packages).map((p) => at(base, `${p.replace(/\./g, '/')}/`)), ...modules],
        exclude: [],
      };
    }
    const find = table(table(st.packages).find);
    if (!isTable(table(st.packages).find) && !modules.length) return undefined;
    const where = strings(find.where).length ? strings(find.where) : ['.'];
    const names = strings(find.include).map((p) => p.replace(/\./g, '/'));
    return {
      include: [...where.flatMap((w) => (names.length ? names.map((n) => at(w, `${n}/`)) : [at(w, '')])), ...modules],
      exclude: where.flatMap((w) => strings(find.exclude).map((p) => at(w, `${p.replace(/\./g, '/')}/`))),
    };
  },
  'poetry.core.masonry.api': (tool) => {
    const poetry = table(tool.poetry);
    const packages = Array.isArray(poetry.packages) ? poetry.packages.filter(isTable) : [];
    const include = [
      ...packages.flatMap((p) =>
        typeof p.include === 'string' ? [`/${str(p.from) ? `${p.from}/` : ''}${p.include}`] : [],
      ),
      ...patterns(poetry.include),
    ];
    return include.length ? { include, exclude: patterns(poetry.exclude) } : undefined;
  },
  uv_build: (tool, name) => {
    const b = table(table(tool.uv)['build-backend']);
    const root = str(b['module-root']) ?? 'src';
    const module = (str(b['module-name']) ?? moduleName(name)).replace(/\./g, '/');
    return {
      include: [`/${root === '' ? '' : `${root}/`}${module}/`, ...strings(b['source-include'])],
      exclude: strings(b['source-exclude']),
    };
  },
};

/** `readme`, `license = { file }`, `license-files`: what the build puts into the metadata. */
function metadataFiles(doc: Table): string[] {
  const project = table(doc.project);
  const readme = typeof project.readme === 'string' ? project.readme : str(table(project.readme).file);
  const license = str(table(project.license).file);
  return [readme, license, ...strings(project['license-files'])].filter((f): f is string => !!f).map((f) => `/${f}`);
}

/** What pytest collects: its `testpaths`, else test modules and conftest.py anywhere (pytest recurses from the root). */
function testFiles(tool: Table): string[] {
  const testpaths = strings(table(table(tool.pytest)['ini_options']).testpaths);
  return testpaths.length
    ? [...testpaths.map((p) => `/${p.replace(/^\.\//, '')}/`), '/conftest.py']
    : ['test_*.py', '*_test.py', 'conftest.py', '/tests/', '/test/'];
}

/** maturin / Poetry `include`: a glob, or `{ path, format }`. */
function patterns(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((p) => (typeof p === 'string' ? [p] : isTable(p) && typeof p.path === 'string' ? [p.path] : []));
}

function moduleName(name: string): string {
  return name.toLowerCase().replace(/[-.]+/g, '_');
}

function table(value: unknown): Table {
  return isTable(value) ? value : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
