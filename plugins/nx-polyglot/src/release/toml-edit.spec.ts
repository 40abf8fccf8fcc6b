import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { ManifestError, isTable } from '../manifest-error';
import { dotted, getTomlString, setTomlString } from './toml-edit';
import { bumpRequirement } from '../cargo/cargo-requirement';

const FILE = '/ws/rust/Cargo.toml';

/** One edit: the document, the key path, the new value and the exact expected document. */
interface Edit {
  name: string;
  path: string[];
  value?: string;
  before: string;
  after: string;
}

const edits: Edit[] = [
  {
    name: '[workspace.package] version, after comments holding `=`, `[` and quotes',
    path: ['workspace', 'package', 'version'],
    before: `[workspace]
members = ["*"] # [workspace.package] version = "9.9.9"
# version = "0.12.0" in ['workspace.package']

[workspace.package]
# "version" = '1'
version = "0.12.0"
edition = "2024"
`,
    after: `[workspace]
members = ["*"] # [workspace.package] version = "9.9.9"
# version = "0.12.0" in ['workspace.package']

[workspace.package]
# "version" = '1'
version = "0.13.0"
edition = "2024"
`,
  },
  {
    name: '[package] version, the same key also under other tables',
    path: ['package', 'version'],
    before: `[package]
name = "a"
version = "0.12.0"

[dependencies]
version = "0.12.0"

[package.metadata]
version = "0.12.0"
`,
    after: `[package]
name = "a"
version = "0.13.0"

[dependencies]
version = "0.12.0"

[package.metadata]
version = "0.12.0"
`,
  },
  {
    name: 'an inline table in [workspace.dependencies], next to keys it prefixes',
    path: ['workspace', 'dependencies', 'micromegas-tracing', 'version'],
    before: `[workspace.dependencies]
micromegas-tracing-proc-macros = { path = "tracing/proc-macros", version = "0.12.0" }
micromegas-tracing = { path = "tracing", version-x = "0.12.0", version = "0.12.0", xversion = "0.12.0" }
micromegas-tracing-x = { path = "x", version = "0.12.0" }
`,
    after: `[workspace.dependencies]
micromegas-tracing-proc-macros = { path = "tracing/proc-macros", version = "0.12.0" }
micromegas-tracing = { path = "tracing", version-x = "0.12.0", version = "0.13.0", xversion = "0.12.0" }
micromegas-tracing-x = { path = "x", version = "0.12.0" }
`,
  },
  {
    name: '[dependencies] only, not [dev-dependencies] or [build-dependencies]',
    path: ['dependencies', 'micromegas-derive-transit', 'version'],
    before: `[dev-dependencies]
micromegas-derive-transit = { path = "../derive-transit", version = "0.12.0" }

[dependencies]
anyhow = "1.0"
micromegas-derive-transit = {path="../derive-transit",version="0.12.0"}

[build-dependencies]
micromegas-derive-transit = { path = "../derive-transit", version = "0.12.0" }
`,
    after: `[dev-dependencies]
micromegas-derive-transit = { path = "../derive-transit", version = "0.12.0" }

[dependencies]
anyhow = "1.0"
micromegas-derive-transit = {path="../derive-transit",version="0.13.0"}

[build-dependencies]
micromegas-derive-transit = { path = "../derive-transit", version = "0.12.0" }
`,
  },
  {
    name: "[target.'cfg(unix)'.dependencies], quoted parts and spaces around dots",
    path: ['target', 'cfg(unix)', 'dependencies', 'foo', 'version'],
    before: `[target."cfg(windows)".dependencies]
foo = { version = "0.12.0" }

[ target . 'cfg(unix)' . dependencies ]
foo = { version = "0.12.0", features = ["a]", "b"] }

[target.'cfg(unix)'.dev-dependencies]
foo = { version = "0.12.0" }
`,
    after: `[target."cfg(windows)".dependencies]
foo = { version = "0.12.0" }

[ target . 'cfg(unix)' . dependencies ]
foo = { version = "0.13.0", features = ["a]", "b"] }

[target.'cfg(unix)'.dev-dependencies]
foo = { version = "0.12.0" }
`,
  },
  {
    name: 'a dependency written as its own [dependencies.foo] table',
    path: ['dependencies', 'foo', 'version'],
    before: `[dependencies.foo]
path = "../foo"
version = "0.12.0"

[dependencies.foo-bar]
version = "0.12.0"
`,
    after: `[dependencies.foo]
path = "../foo"
version = "0.13.0"

[dependencies.foo-bar]
version = "0.12.0"
`,
  },
  {
    name: 'a dotted key at the top level',
    path: ['package', 'version'],
    before: `package.name = "a"
package.version = "0.12.0" # the release
package . edition = "2024"
`,
    after: `package.name = "a"
package.version = "0.13.0" # the release
package . edition = "2024"
`,
  },
  {
    name: 'a dotted key under [tool]',
    path: ['tool', 'poetry', 'version'],
    before: `[tool]
poetry.name = "micromegas"
poetry.version = "0.12.0"
black.target-version = ["py310"]
`,
    after: `[tool]
poetry.name = "micromegas"
poetry.version = "0.13.0"
black.target-version = ["py310"]
`,
  },
  {
    name: '[tool.poetry] past multi-line strings that look like headers and keys',
    path: ['tool', 'poetry', 'version'],
    before: `[tool.poetry]
name = "micromegas"
description = """
[tool.poetry]
version = "0.12.0" \\""" still inside
"""
readme = '''
[project]
version = '0.12.0'
'''
notes = """ends with quotes"""""
version = "0.12.0"
`,
    after: `[tool.poetry]
name = "micromegas"
description = """
[tool.poetry]
version = "0.12.0" \\""" still inside
"""
readme = '''
[project]
version = '0.12.0'
'''
notes = """ends with quotes"""""
version = "0.13.0"
`,
  },
  {
    name: '[project] (PEP 621) after a [tool.poetry] version',
    path: ['project', 'version'],
    before: `[tool.poetry]
version = "0.12.0"

[project]
name = "micromegas"
version = "0.12.0"
dependencies = [
  "requests>=2 ; python_version >= '3.10'", # a [comment] = "x"
  'pyarrow[pandas]',
]
`,
    after: `[tool.poetry]
version = "0.12.0"

[project]
name = "micromegas"
version = "0.13.0"
dependencies = [
  "requests>=2 ; python_version >= '3.10'", # a [comment] = "x"
  'pyarrow[pandas]',
]
`,
  },
  {
    name: 'a nested inline table',
    path: ['foo', 'a', 'b'],
    value: 'y',
    before: `foo = { a = { b = "x", c = { b = "x" } }, b = "x" }
b = "x"
`,
    after: `foo = { a = { b = "y", c = { b = "x" } }, b = "x" }
b = "x"
`,
  },
  {
    name: 'a literal string stays literal',
    path: ['package', 'version'],
    before: `[package]
version = '0.12.0'
`,
    after: `[package]
version = '0.13.0'
`,
  },
  {
    name: 'a basic string gets `"` and `\\` escaped',
    path: ['package', 'description'],
    value: 'say "hi" \\o/',
    before: `[package]
description = "old \\"one\\""
`,
    after: `[package]
description = "say \\"hi\\" \\\\o/"
`,
  },
  {
    name: 'strings holding `#`, `[`, `]`, `=` and escaped quotes before the value',
    path: ['package', 'version'],
    before: `[package]
name = "a # [b] = \\"c\\" ]" # version = "x"
homepage = 'https://example.com/#[version]='
keywords = [
  "version = \\"0.12.0\\"",
  # ] this is not the end
  "[package]",
]
version = "0.12.0"
`,
    after: `[package]
name = "a # [b] = \\"c\\" ]" # version = "x"
homepage = 'https://example.com/#[version]='
keywords = [
  "version = \\"0.12.0\\"",
  # ] this is not the end
  "[package]",
]
version = "0.13.0"
`,
  },
  {
    name: 'quoted keys, a key without spaces and an empty value',
    path: ['package', 'version'],
    before: `["package"]
'name'="a"
"version.x" = "0.12.0"
"version"=""
"[package]" = "not a header"
`,
    after: `["package"]
'name'="a"
"version.x" = "0.12.0"
"version"="0.13.0"
"[package]" = "not a header"
`,
  },
  {
    name: 'a top-level key, after dates, numbers and booleans',
    path: ['version'],
    before: `released = 1979-05-27 07:32:00Z # a date, a space, a time
day = 1979-05-27
n = [1_000, +inf, 0x1F, true]
version = "0.12.0"
[version-table]
version = "0.12.0"
`,
    after: `released = 1979-05-27 07:32:00Z # a date, a space, a time
day = 1979-05-27
n = [1_000, +inf, 0x1F, true]
version = "0.13.0"
[version-table]
version = "0.12.0"
`,
  },
  {
    name: 'a TOML 1.1 inline table over several lines, with a trailing comma',
    path: ['dependencies', 'foo', 'version'],
    before: `[dependencies]
foo = {
  path = "../foo", # local
  version = "0.12.0",
}
`,
    after: `[dependencies]
foo = {
  path = "../foo", # local
  version = "0.13.0",
}
`,
  },
];

/** The same edit on CRLF line endings, and without a final newline. */
const variants = (e: Edit): Edit[] => [
  e,
  { ...e, name: `${e.name} (CRLF)`, before: e.before.replace(/\n/g, '\r\n'), after: e.after.replace(/\n/g, '\r\n') },
  {
    ...e,
    name: `${e.name} (no final newline)`,
    before: e.before.replace(/\n$/, ''),
    after: e.after.replace(/\n$/, ''),
  },
];

/** Both documents parsed, with the edited keys taken out: what must not have changed. */
function parsedApartFrom(text: string, paths: string[][]): unknown {
  const document = parse(text);
  for (const path of paths) {
    const parent = path
      .slice(0, -1)
      .reduce<unknown>((node, part) => (isTable(node) ? node[part] : undefined), document);
    if (isTable(parent)) delete parent[path[path.length - 1]];
  }
  return document;
}

/** Every string in a parsed document, by key path, outside arrays. */
function stringLeaves(node: unknown, path: string[] = []): Array<[string[], string]> {
  if (typeof node === 'string') return [[path, node]];
  return isTable(node) ? Object.entries(node).flatMap(([key, value]) => stringLeaves(value, [...path, key])) : [];
}

/**
 * Every string smol-toml sees (outside arrays) must be found, and rewriting it
 * must change its own token and nothing else; multi-line strings are refused.
 */
function expectEveryStringEditable(before: string): void {
  const leaves = stringLeaves(parse(before));
  expect(leaves.length).toBeGreaterThan(0);
  for (const [path, old] of leaves) {
    if (new RegExp(`^${path[path.length - 1]} = (?:"""|''')`, 'm').test(before)) {
      expect(thrown(() => getTomlString(before, path, FILE))).toMatchObject({
        problem: 'is a multi-line string, not a string',
      });
      continue;
    }
    expect(getTomlString(before, path, FILE)).toBe(old);
    const after = setTomlString(before, path, 'NEW-Ω', FILE);
    const token = after.includes('"NEW-Ω"') ? '"NEW-Ω"' : "'NEW-Ω'";
    const at = after.indexOf(token);
    const tail = after.slice(at + token.length);
    expect(after.indexOf(token, at + 1)).toBe(-1);
    expect(before.startsWith(after.slice(0, at)) && before.endsWith(tail)).toBe(true);
    expect(parse(`v = ${before.slice(at, before.length - tail.length)}`).v).toBe(old);
  }
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('setTomlString', () => {
  describe.each(edits.flatMap(variants))('$name', ({ path, value = '0.13.0', before, after }) => {
    it('replaces only the value, byte for byte', () => {
      expect(setTomlString(before, path, value, FILE)).toBe(after);
    });

    it('changes nothing else, as smol-toml reads the two documents', () => {
      expect(parsedApartFrom(after, [path])).toEqual(parsedApartFrom(before, [path]));
      expect(getTomlString(after, path, FILE)).toBe(value);
      expect(getTomlString(before, path, FILE)).toBe(
        path.reduce<unknown>((node, part) => (isTable(node) ? node[part] : undefined), parse(before)),
      );
    });
  });

  it.each(edits.flatMap(variants).map((e) => [e.name, e.before] as const))(
    'finds and rewrites every other string key alone: %s',
    (_, before) => {
      expectEveryStringEditable(before);
    },
  );

  it('writes control characters as escapes in a basic string', () => {
    expect(setTomlString('a = "x"\n', ['a'], 'tab\there\nnul\0', FILE)).toBe('a = "tab\\there\\nnul\\u0000"\n');
  });

  it('refuses a value a literal string cannot hold', () => {
    expect(
      thrown(() => setTomlString("[package]\nversion = '1'\n", ['package', 'version'], "it's", FILE)),
    ).toMatchObject({
      name: 'ManifestError',
      file: FILE,
      key: 'package.version',
      line: 2,
      message: expect.stringContaining('"double quotes"'),
    });
  });

  it('names the file, the key and what to add when the key is missing', () => {
    const error = thrown(() => setTomlString('[package]\nname = "a"\n', ['package', 'version'], '1.0.0', FILE));
    expect(error).toBeInstanceOf(ManifestError);
    expect(error).toMatchObject({
      file: FILE,
      key: 'package.version',
      problem: 'not found',
      fix: 'Add `version = "1.0.0"` in `[package]`',
    });
  });

  it.each([
    ['a key path running into a string', 'a = "x"\n', ['a', 'b']],
    ['a table with other keys', '[package]\nname = "a"\n', ['workspace', 'package', 'version']],
    ['an empty document', '', ['version']],
  ])('says not found for %s', (_, text, path) => {
    expect(thrown(() => setTomlString(text, path, '1', FILE))).toMatchObject({
      problem: 'not found',
      key: dotted(path),
    });
    expect(getTomlString(text, path, FILE)).toBeUndefined();
  });

  it.each([
    [
      'version.workspace = true',
      '[package]\nname = "a"\nversion.workspace = true\n',
      'a table (`version.workspace = true`)',
      3,
    ],
    [
      'version = { workspace = true }',
      '[package]\nversion = { workspace = true }\n',
      'a table (`{ workspace = true }`)',
      2,
    ],
    ['a [package.version] table', '[package.version]\nworkspace = true\n', 'a table (`[package.version]`)', 1],
  ])('points an inherited version (%s) at the workspace root', (_, text, shown, line) => {
    for (const read of [
      () => setTomlString(text, ['package', 'version'], '1', FILE),
      () => getTomlString(text, ['package', 'version'], FILE),
    ]) {
      expect(thrown(read)).toMatchObject({
        name: 'ManifestError',
        file: FILE,
        key: 'package.version',
        line,
        problem: `is ${shown}, not a string`,
        fix: expect.stringContaining("change the value in the workspace root's Cargo.toml"),
      });
    }
  });

  it.each([
    ['a number', 'version = 1\n', 'is `1`, not a string', 'Set it to a string: `version = "..."`'],
    ['a boolean', 'version = true # yes\n', 'is `true`, not a string', 'Set it to a string: `version = "..."`'],
    ['an array', 'version = ["1"]\n', 'is an array, not a string', 'Set it to a string: `version = "..."`'],
    [
      'a table of something else',
      'version = { git = "x" }\n',
      'is a table (`{ git = "x" }`), not a string',
      'Set it to a string: `version = "..."`',
    ],
    [
      'a multi-line string',
      'version = """\n1"""\n',
      'is a multi-line string, not a string',
      'Write it on one line: `version = "..."`',
    ],
  ])('refuses %s', (_, text, problem, fix) => {
    expect(thrown(() => setTomlString(text, ['version'], '2', FILE))).toMatchObject({
      file: FILE,
      key: 'version',
      line: 1,
      problem,
      fix,
    });
  });

  it.each([
    ['[[bin]]\nname = "a"\n', ['bin', 'name'], 'is inside the array of tables `[[bin]]`'],
    [
      '[[bin]]\nname = "a"\n[bin.meta]\nversion = "1"\n',
      ['bin', 'meta', 'version'],
      'is inside the array of tables `[[bin]]`',
    ],
    ['[[bin]]\nname = "a"\n', ['bin'], 'is an array of tables'],
    ['packages = [{ include = "a" }]\n', ['packages', 'include'], 'is inside the array `packages`'],
  ])('refuses to go through an array: %j at %j', (text, path, problem) => {
    expect(thrown(() => setTomlString(text, path, '1', FILE))).toMatchObject({
      key: dotted(path),
      problem: `${problem}, which nx-polyglot cannot edit`,
      fix: 'Edit this value by hand',
    });
    expect(thrown(() => getTomlString(text, path, FILE))).toBeInstanceOf(ManifestError);
  });

  it('reports invalid TOML with its line', () => {
    expect(
      thrown(() => setTomlString('[package]\nversion = "1"\nversion = "2"\n', ['package', 'version'], '3', FILE)),
    ).toMatchObject({ name: 'ManifestError', file: FILE, line: 3 });
  });
});

describe('getTomlString', () => {
  it('decodes escapes and reads literal strings as written', () => {
    const text = `a = "q\\"\\\\\\u00e9\\U0001F600\\t"\nb = 'C:\\path\\'\n"c.d" = "dotted"\n`;
    expect([
      getTomlString(text, ['a'], FILE),
      getTomlString(text, ['b'], FILE),
      getTomlString(text, ['c.d'], FILE),
    ]).toEqual(['q"\\é😀\t', 'C:\\path\\', 'dotted']);
  });

  it('names keys the way TOML spells them in errors', () => {
    expect(dotted(['target', 'cfg(unix)', 'dependencies', 'a.b', 'version'])).toBe(
      'target."cfg(unix)".dependencies."a.b".version',
    );
  });
});

describe('on the Micromegas manifests', () => {
  const repo = join(__dirname, '..', '..', '..', '..');
  const read = (file: string) => readFileSync(join(repo, file), 'utf8');
  const root = read('rust/Cargo.toml');
  const current = getTomlString(root, ['workspace', 'package', 'version'], 'rust/Cargo.toml')!;
  // 0.12.0 → 0.13.0 as this is written; whatever the next minor is later
  const next = semver.inc(current, 'minor')!;

  /** Applies the edits in turn and checks the diff line by line: same lines, only the version strings changed. */
  function bump(file: string, edits: Array<[string[], string]>): string {
    const before = read(file);
    const after = edits.reduce((text, [path, value]) => setTomlString(text, path, value, file), before);
    const [was, is] = [before.split('\n'), after.split('\n')];
    expect(is.length).toBe(was.length);
    const changed = was.flatMap((line, k) => (line === is[k] ? [] : [[line, is[k]]]));
    expect(changed).toHaveLength(edits.length);
    const replacements = edits.map(([path, value]) => [getTomlString(before, path, file), value]);
    for (const [line, edited] of changed) {
      // split on quotes: exactly one quoted piece may differ, and it is an old value turned into its new one
      const [was_, is_] = [line.split('"'), edited.split('"')];
      expect(is_.length).toBe(was_.length);
      const differing = was_.flatMap((piece, k) => (piece === is_[k] ? [] : [[piece, is_[k]]]));
      expect(differing).toHaveLength(1);
      expect(replacements).toContainEqual(differing[0]);
    }
    expect(
      parsedApartFrom(
        after,
        edits.map(([path]) => path),
      ),
    ).toEqual(
      parsedApartFrom(
        before,
        edits.map(([path]) => path),
      ),
    );
    for (const [path, value] of edits) expect(getTomlString(after, path, file)).toBe(value);
    return after;
  }

  it.each(['rust/Cargo.toml', 'rust/tracing/Cargo.toml', 'python/micromegas/pyproject.toml'])(
    'finds and rewrites every string key of %s alone',
    (file) => {
      expectEveryStringEditable(read(file));
    },
  );

  it('bumps the workspace version and every workspace dependency that has one', () => {
    const { workspace } = parse(root) as unknown as {
      workspace: { dependencies: Record<string, { version?: string }> };
    };
    const versioned = Object.entries(workspace.dependencies).filter(([, d]) => typeof d.version === 'string');
    expect(versioned.length).toBeGreaterThan(5);
    const after = bump('rust/Cargo.toml', [
      [['workspace', 'package', 'version'], next],
      ...versioned.map(([name, d]): [string[], string] => [
        ['workspace', 'dependencies', name, 'version'],
        bumpRequirement(d.version!, next),
      ]),
    ]);
    expect(after).toContain(`[workspace.package]\nversion = "${next}"\n`);
    expect(after).toContain(`micromegas-tracing = { path = "tracing", version = "${next}" }`);
    expect(
      getTomlString(root, ['workspace', 'dependencies', 'micromegas', 'version'], 'rust/Cargo.toml'),
    ).toBeUndefined();
  });

  it('bumps a member crate: its own version is inherited, its path dependency requirement moves', () => {
    const file = 'rust/tracing/Cargo.toml';
    const text = read(file);
    expect(thrown(() => setTomlString(text, ['package', 'version'], next, file))).toMatchObject({
      key: 'package.version',
      problem: 'is a table (`version.workspace = true`), not a string',
    });
    expect(getTomlString(text, ['dependencies', 'micromegas-transit', 'version'], file)).toBeUndefined();
    const path = ['dependencies', 'micromegas-tracing-proc-macros', 'version'];
    const req = getTomlString(text, path, file)!;
    const after = bump(file, [[path, bumpRequirement(req, next)]]);
    expect(getTomlString(after, path, file)).toBe(`^${semver.major(next)}.${semver.minor(next)}`);
  });

  it('bumps the Poetry version of the Python package', () => {
    const file = 'python/micromegas/pyproject.toml';
    expect(getTomlString(read(file), ['project', 'version'], file)).toBeUndefined();
    expect(getTomlString(read(file), ['tool', 'poetry', 'dependencies', 'python'], file)).toBe('^3.10');
    const after = bump(file, [[['tool', 'poetry', 'version'], next]]);
    expect(after).toContain(`[tool.poetry]\nname = "micromegas"\nversion = "${next}"\n`);
  });
});
