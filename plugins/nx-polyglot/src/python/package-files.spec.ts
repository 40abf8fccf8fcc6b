import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';
import { readPyproject } from './pyproject';

/** Which of these files are the package's own, as Nx reads the globs: any positive one and no negative one matches. */
function own(pyproject: string, files: string[]): string[] {
  const globs = readPyproject(pyproject, '/repo/pyproject.toml').package?.backendFiles;
  if (!globs) return files;
  const rel = (g: string) => g.replace('{projectRoot}/', '');
  const positive = globs.filter((g) => !g.startsWith('!')).map(rel);
  const negative = globs.filter((g) => g.startsWith('!')).map((g) => rel(g.slice(1)));
  const hits = (f: string, list: string[]) => list.some((g) => minimatch(f, g, { dot: true }));
  return files.filter((f) => hits(f, positive) && !hits(f, negative));
}

/** A repository around the package: what is not the package must not re-run its checks. */
const NOT_THE_PACKAGE = [
  'docs/index.md',
  'docs/conf.yaml',
  'deploy/k8s.yaml',
  '.github/workflows/ci.yml',
  'Dockerfile',
];
const TESTS_AND_CONFIG = ['pyproject.toml', 'tests/test_api.py', 'tests/data/sample.json', 'ruff.toml', 'README.md'];
const project = '[project]\nname = "fast-thing"\nversion = "1.0.0"\nreadme = "README.md"\n';

describe('a root package takes what its build backend packages, its tests and config', () => {
  it('maturin: python-source, include and exclude, Cargo.toml and Cargo.lock', () => {
    const toml = `${project}\n[build-system]\nbuild-backend = "maturin"\n\n[tool.maturin]\npython-source = "python"\ninclude = [{ path = "licenses/*", format = "sdist" }]\nexclude = ["python/fast_thing/_scratch.py"]\n`;
    const files = [
      'python/fast_thing/__init__.py',
      'python/fast_thing/_scratch.py',
      'licenses/MIT',
      'Cargo.toml',
      'Cargo.lock',
    ];
    expect(own(toml, [...files, ...TESTS_AND_CONFIG, ...NOT_THE_PACKAGE])).toEqual([
      'python/fast_thing/__init__.py',
      'licenses/MIT',
      'Cargo.toml',
      'Cargo.lock',
      ...TESTS_AND_CONFIG,
    ]);
  });

  it("maturin without python-source: the module's directory beside Cargo.toml", () => {
    const toml = `${project}\n[build-system]\nbuild-backend = "maturin"\n`;
    expect(own(toml, ['fast_thing/__init__.py', 'scripts/release.py', ...NOT_THE_PACKAGE])).toEqual([
      'fast_thing/__init__.py',
    ]);
  });

  it('hatchling: the wheel packages and declared includes', () => {
    const toml = `${project}\n[build-system]\nbuild-backend = "hatchling.build"\n\n[tool.hatch.build.targets.wheel]\npackages = ["src/fast_thing"]\n\n[tool.hatch.build]\nexclude = ["*.tmp"]\n`;
    expect(own(toml, ['src/fast_thing/core.py', 'src/fast_thing/x.tmp', 'src/other/x.py', ...NOT_THE_PACKAGE])).toEqual(
      ['src/fast_thing/core.py'],
    );
  });

  it('setuptools: packages.find with where, include and exclude, and py-modules', () => {
    const toml = `${project}\n[build-system]\nbuild-backend = "setuptools.build_meta"\n\n[tool.setuptools]\npy-modules = ["helper"]\n\n[tool.setuptools.packages.find]\nwhere = ["src"]\ninclude = ["fast_thing*"]\nexclude = ["fast_thing.vendored"]\n`;
    expect(
      own(toml, [
        'src/fast_thing/a.py',
        'src/fast_thing/vendored/b.py',
        'src/tools/c.py',
        'helper.py',
        ...NOT_THE_PACKAGE,
      ]),
    ).toEqual(['src/fast_thing/a.py', 'helper.py']);
  });

  it('setuptools: a list of packages under package-dir', () => {
    const toml = `${project}\n[build-system]\nbuild-backend = "setuptools.build_meta"\n\n[tool.setuptools]\npackages = ["fast_thing"]\npackage-dir = { "" = "lib" }\n`;
    expect(own(toml, ['lib/fast_thing/a.py', 'lib/other/b.py', ...NOT_THE_PACKAGE])).toEqual(['lib/fast_thing/a.py']);
  });

  it("uv_build: module-root and the package's module name", () => {
    const toml = `${project}\n[build-system]\nbuild-backend = "uv_build"\n`;
    expect(own(toml, ['src/fast_thing/a.py', 'src/other/b.py', ...NOT_THE_PACKAGE])).toEqual(['src/fast_thing/a.py']);
  });

  it('pytest testpaths narrow the tests; without them, every test module pytest would collect is in', () => {
    const base = `${project}\n[build-system]\nbuild-backend = "uv_build"\n`;
    const files = ['tests/test_a.py', 'integration/test_b.py', 'docs/conftest.py'];
    expect(own(base, files)).toEqual(files);
    expect(own(`${base}\n[tool.pytest.ini_options]\ntestpaths = ["integration"]\n`, files)).toEqual([
      'integration/test_b.py',
    ]);
  });

  it('a backend whose selection is its own discovery, not written in pyproject.toml: the whole directory', () => {
    const toml = `${project}\n[build-system]\nbuild-backend = "hatchling.build"\n`;
    expect(readPyproject(toml, '/repo/pyproject.toml').package?.backendFiles).toBeNull();
  });
});
