import { describe, expect, it } from 'vitest';
import { ManifestError } from '../manifest-error';
import { normalizeName, parsePyproject, readPyproject } from './pyproject';

const FILE = '/ws/python/app/pyproject.toml';

describe('parsePyproject', () => {
  describe('Poetry', () => {
    const pkg = parsePyproject(
      `[tool.poetry]
name = "My_App"
version = "1.4.0"

[tool.poetry.dependencies]
python = "^3.10"
requests = "^2.31"
Core_Lib = { path = "../core", develop = true }
# one constraint per marker, one of them local
plugins = [
  { path = "../plugins", markers = "sys_platform == 'linux'" },
  { version = "^1.0", markers = "sys_platform != 'linux'" },
]

[tool.poetry.dev-dependencies]
black = "^24"

[tool.poetry.group.test.dependencies]
pytest = "^8"
testkit = { path = "../testkit" }
`,
      FILE,
    );

    it('reads name and version from [tool.poetry]', () => {
      expect([pkg.name, pkg.version, pkg.tool, pkg.manifestPath]).toEqual(['My_App', '1.4.0', 'poetry', FILE]);
    });

    it('declares every dependency of every table and group, normalized, without python', () => {
      expect(pkg.declared).toEqual(['black', 'core-lib', 'plugins', 'pytest', 'requests', 'testkit']);
    });

    it('finds path dependencies, in a list of constraints too, with their keys', () => {
      expect(pkg.pathDependencies).toEqual([
        { name: 'core-lib', path: '/ws/python/core', key: 'tool.poetry.dependencies.Core_Lib' },
        { name: 'plugins', path: '/ws/python/plugins', key: 'tool.poetry.dependencies.plugins' },
        { name: 'testkit', path: '/ws/python/testkit', key: 'tool.poetry.group.test.dependencies.testkit' },
      ]);
    });
  });

  describe('PEP 621', () => {
    const pkg = parsePyproject(
      `[project]
name = "analytics"
version = "0.3.0"
dependencies = [
  "pyarrow>=14",
  "Shared.Utils[fast] >= 1.0 ; python_version >= '3.10'",
  "local-lib @ file:///opt/libs/local-lib",
  "sibling @ file:../sibling",
]

[project.optional-dependencies]
plot = ["matplotlib"]

[dependency-groups]
test = ["pytest>=8"]
dev = [{ include-group = "test" }, "ruff"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
`,
      FILE,
    );

    it('reads name and version from [project], built by plain PEP 517 tooling', () => {
      expect([pkg.name, pkg.version, pkg.tool]).toEqual(['analytics', '0.3.0', 'pep517']);
    });

    it('declares dependencies, extras and dependency groups, skipping include-group tables', () => {
      expect(pkg.declared).toEqual(['local-lib', 'matplotlib', 'pyarrow', 'pytest', 'ruff', 'shared-utils', 'sibling']);
    });

    it('takes file: URLs as path dependencies, absolute or relative to the package', () => {
      expect(pkg.pathDependencies).toEqual([
        { name: 'local-lib', path: '/opt/libs/local-lib', key: 'project.dependencies' },
        { name: 'sibling', path: '/ws/python/sibling', key: 'project.dependencies' },
      ]);
    });

    it('has no version when it is dynamic', () => {
      expect(parsePyproject('[project]\nname = "dyn"\ndynamic = ["version"]\n', FILE).version).toBeNull();
    });
  });

  describe('uv', () => {
    const pkg = parsePyproject(
      `[project]
name = "service"
version = "2.0.0"
dependencies = ["core-lib", "Member_Pkg", "httpx"]

[dependency-groups]
dev = ["testkit"]

[tool.uv]
dev-dependencies = ["mypy"]

[tool.uv.sources]
core_lib = { path = "../core", editable = true }
member-pkg = { workspace = true }
testkit = { path = "../testkit" }
# a source for a package nobody requires is not a dependency
unused = { path = "../unused" }
`,
      FILE,
    );

    it('is a uv package', () => {
      expect([pkg.name, pkg.version, pkg.tool]).toEqual(['service', '2.0.0', 'uv']);
    });

    it('locates requirements through tool.uv.sources: a path, or a workspace member found by name', () => {
      expect(pkg.pathDependencies).toEqual([
        // keys as written in tool.uv.sources, whatever the spelling of the requirement
        { name: 'core-lib', path: '/ws/python/core', key: 'tool.uv.sources.core_lib' },
        { name: 'member-pkg', path: null, key: 'tool.uv.sources.member-pkg' },
        { name: 'testkit', path: '/ws/python/testkit', key: 'tool.uv.sources.testkit' },
      ]);
      expect(pkg.declared).toEqual(['core-lib', 'httpx', 'member-pkg', 'mypy', 'testkit']);
    });
  });

  it('prefers [project] over [tool.poetry] for name and version, and is still built by Poetry', () => {
    const pkg = parsePyproject(
      `[project]
name = "modern"
version = "2.0.0"
dependencies = ["lib"]

[tool.poetry]
name = "legacy"
version = "1.0.0"

[tool.poetry.dependencies]
lib = { path = "../lib", develop = true }
`,
      FILE,
    );
    expect([pkg.name, pkg.version, pkg.tool]).toEqual(['modern', '2.0.0', 'poetry']);
    expect(pkg.pathDependencies).toEqual([
      { name: 'lib', path: '/ws/python/lib', key: 'tool.poetry.dependencies.lib' },
    ]);
  });

  it('takes the version from [tool.poetry] when [project] has none', () => {
    const pkg = parsePyproject(
      '[project]\nname = "p"\ndynamic = ["version"]\n\n[tool.poetry]\nversion = "0.5.0"\n',
      FILE,
    );
    expect([pkg.name, pkg.version]).toEqual(['p', '0.5.0']);
  });

  it('reads a tool-configuration-only pyproject as no package, without an error', () => {
    const file = readPyproject(
      '[build-system]\nrequires = ["setuptools"]\n\n[tool.black]\nline-length = 100\n\n[tool.ruff]\nselect = ["E"]\n',
      FILE,
    );
    expect(file.package).toBeNull();
    // callers that need a package still get a clear error
    expect(() => parsePyproject('[tool.black]\n', FILE)).toThrow(`${FILE}: \`project\`: declares no package`);
  });

  it('rejects a [project] table without a name, naming the file and what to add', () => {
    const parse = () => readPyproject('[project]\nversion = "1.0.0"\n', FILE);
    expect(parse).toThrow(ManifestError);
    expect(parse).toThrow(`${FILE}: \`project.name\`: has no package name`);
    expect(parse).toThrow(/Add name = "\.\.\." under \[project\] \(PEP 621\) or \[tool\.poetry\]/);
  });

  it('takes a Poetry package-mode = false project as a project that is never published, named after its directory when nameless', () => {
    const pkg = parsePyproject(
      '[tool.poetry]\npackage-mode = false\n\n[tool.poetry.dependencies]\npython = "^3.11"\nlib = { path = "../lib" }\npytest = "^8"\n',
      FILE,
    );
    expect([pkg.name, pkg.publishable, pkg.tool]).toEqual(['app', false, 'poetry']);
    expect(pkg.pathDependencies).toEqual([
      { name: 'lib', path: '/ws/python/lib', key: 'tool.poetry.dependencies.lib' },
    ]);
  });

  it('reads dynamic dependencies that a hatch metadata hook keeps in the same file', () => {
    const pkg = parsePyproject(
      `[project]
name = "pydantic-ai-slim"
dynamic = ["version", "dependencies", "optional-dependencies"]

[tool.hatch.metadata.hooks.uv-dynamic-versioning]
dependencies = ["pydantic-graph=={{ version }}", "httpx>=0.27"]

[tool.hatch.metadata.hooks.uv-dynamic-versioning.optional-dependencies]
evals = ["pydantic-evals=={{ version }}"]

[tool.uv.sources]
pydantic-graph = { workspace = true }
`,
      FILE,
    );
    expect(pkg.pathDependencies).toEqual([
      { name: 'pydantic-graph', path: null, key: 'tool.uv.sources.pydantic-graph' },
    ]);
    expect(pkg.unlocated).toEqual([
      { name: 'httpx', key: 'tool.hatch.metadata.hooks.uv-dynamic-versioning.dependencies' },
      { name: 'pydantic-evals', key: 'tool.hatch.metadata.hooks.uv-dynamic-versioning.optional-dependencies.evals' },
    ]);
    expect(pkg.unknownDependencies).toBeNull();
  });

  it('says when dynamic dependencies are set outside the file, rather than showing no edge silently', () => {
    const pkg = parsePyproject(
      '[project]\nname = "x"\ndynamic = ["dependencies"]\n\n[tool.setuptools.dynamic]\ndependencies = { file = ["requirements.txt"] }\n',
      FILE,
    );
    expect(pkg.unknownDependencies).toBe('project.dependencies is dynamic: set by the build backend outside this file');
  });

  it('finds the crate a maturin build compiles: manifest-path, else the Cargo.toml beside it', () => {
    const maturin =
      '[project]\nname = "ruff"\nversion = "0.1.0"\n\n[build-system]\nrequires = ["maturin>=1.0"]\nbuild-backend = "maturin"\n';
    expect(
      parsePyproject(`${maturin}\n[tool.maturin]\nmanifest-path = "crates/ruff/Cargo.toml"\n`, FILE).maturinManifest,
    ).toBe('/ws/python/app/crates/ruff/Cargo.toml');
    expect(parsePyproject(maturin, FILE).maturinManifest).toBe('/ws/python/app/Cargo.toml');
    expect(parsePyproject('[project]\nname = "plain"\n', FILE).maturinManifest).toBeNull();
  });

  it.each([
    ['[tool.poetry]\nname = "$(touch x);x"\nversion = "1.0.0"\n', 'tool.poetry.name', '"$(touch x);x"'],
    ['[project]\nname = "ünï code"\nversion = "1.0.0"\n', 'project.name', '"ünï code"'],
    ['[project]\nname = "-lead"\n', 'project.name', '"-lead"'],
    // Poetry checks [project].name even when it builds nothing
    ['[project]\nname = "a b"\n\n[tool.poetry]\npackage-mode = false\n', 'project.name', '"a b"'],
  ])('refuses the invalid distribution name of %j, naming the file, the key and PEP 508', (text, key, name) => {
    const parse = () => readPyproject(text, FILE);
    expect(parse).toThrow(ManifestError);
    expect(parse).toThrow(
      `${FILE}: \`${key}\`: is not a valid distribution name (${name}): PEP 508 allows ASCII letters and digits, with \`.\`, \`_\` and \`-\` between them (^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$, any case). Rename it, e.g. name = "my-package"`,
    );
  });

  it('accepts the names PEP 508 allows, in any case, and a name Poetry ignores when it builds nothing', () => {
    for (const name of ['A', 'micromegas', 'Foo_Bar.baz-2', '9lives'])
      expect(parsePyproject(`[project]\nname = "${name}"\n`, FILE).name).toBe(name);
    const unbuilt = '[tool.poetry]\nname = "my tools"\npackage-mode = false\n';
    expect(parsePyproject(unbuilt, FILE).publishable).toBe(false);
  });

  it.each([
    ['[tool.poetry]\nname = "app"\nversion = { x = 1 }\n', 'tool.poetry.version', '{"x":1}', 'version = "1.2.3"'],
    ['[project]\nname = "app"\nversion = 1\n', 'project.version', '1', 'version = "1.2.3"'],
    [
      '[project]\nname = "app"\nversion = "1.0.0"\n\n[tool.poetry]\nversion = [1]\n',
      'tool.poetry.version',
      '[1]',
      'version = "1.2.3"',
    ],
  ])('refuses a version that is not a string in %j, naming the key and the fix', (text, key, value, fix) => {
    const parse = () => readPyproject(text, FILE);
    expect(parse).toThrow(ManifestError);
    expect(parse).toThrow(`${FILE}: \`${key}\`: must be a string, not ${value}. Write it as ${fix}`);
  });

  it('names the file and line of a syntax error', () => {
    const parse = () => parsePyproject('[project]\nname = "x"\ndependencies = [\n  "a",\n  oops\n]\n', FILE);
    expect(parse).toThrow(ManifestError);
    expect(parse).toThrow(new RegExp(`^${FILE}:5: invalid TOML`));
  });
});

describe('normalizeName', () => {
  it.each([
    ['Foo_Bar.baz', 'foo-bar-baz'],
    ['foo-bar-baz', 'foo-bar-baz'],
    ['A__B--C..d', 'a-b-c-d'],
    ['micromegas', 'micromegas'],
    ['PyYAML', 'pyyaml'],
  ])('%s is %s', (name, normalized) => {
    expect(normalizeName(name)).toBe(normalized);
  });
});
