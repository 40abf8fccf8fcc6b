import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { polyglotEdges } from '../create-dependencies';
import { ManifestError } from '../manifest-error';
import type { CargoProject } from '../polyglot-model';
import { Refusals } from '../refusals';
import { cargoMetadata, findCargoManifests, realCargoFiles } from './__fixtures__/cargo-metadata';
import { loadCargoWorkspaces } from './cargo-workspace';

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A workspace on disk; every package gets a lib.rs, so cargo judges only the manifests. */
function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nx-polyglot-bad-input-'));
  temps.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
    if (path.endsWith('Cargo.toml') && text.includes('[package]')) {
      mkdirSync(join(dir, dirname(path), 'src'), { recursive: true });
      writeFileSync(join(dir, dirname(path), 'src', 'lib.rs'), '//! bad input\n');
    }
  }
  return dir;
}

function loadModel(dir: string) {
  return loadCargoWorkspaces(findCargoManifests(dir), realCargoFiles());
}

/** The error the whole model throws: always a ManifestError, never a crash of some other kind. */
function modelError(load: () => unknown): ManifestError {
  try {
    load();
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    return e as ManifestError;
  }
  throw new Error('the model accepted a workspace Cargo rejects');
}

const crate = (name: string, rest = '') => `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n${rest}`;
const globWorkspace = '[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n';

const CASES: Array<{ title: string; files: Record<string, string>; message: (dir: string) => string }> = [
  {
    title: 'a syntax error in a member names the file and line',
    files: {
      'Cargo.toml': globWorkspace,
      'crates/a/Cargo.toml': '[package]\nname = "a"\nversion = "0.1.0\nedition = "2021"\n',
    },
    message: (dir) =>
      `${dir}/crates/a/Cargo.toml:3: invalid TOML (Invalid TOML document: control characters are not allowed in strings). Fix the syntax error`,
  },
  {
    title:
      'a member glob matching a directory without Cargo.toml names the root manifest, the key, the directory and the fix',
    files: { 'Cargo.toml': globWorkspace, 'crates/a/Cargo.toml': crate('a'), 'crates/docs/README.md': 'not a crate\n' },
    message: (dir) =>
      `${dir}/Cargo.toml: \`workspace.members\`: matches crates/docs, which has no Cargo.toml. Add a Cargo.toml there, or list the directory in \`workspace.exclude\``,
  },
  {
    title: 'a path dependency on a missing directory names the dependent manifest and the dependency key',
    files: {
      'Cargo.toml': globWorkspace,
      'crates/a/Cargo.toml': crate('a', '\n[dependencies]\nb = { path = "../b" }\n'),
    },
    message: (dir) =>
      `${dir}/crates/a/Cargo.toml: \`dependencies.b\`: is a path dependency on ../b, which has no Cargo.toml. Fix the path, or create the crate there`,
  },
  {
    title: 'a missing path dependency in a target table is named by its full key',
    files: {
      'Cargo.toml': globWorkspace,
      'crates/a/Cargo.toml': crate('a', '\n[target.\'cfg(unix)\'.dev-dependencies]\nt = { path = "../t" }\n'),
    },
    message: (dir) =>
      `${dir}/crates/a/Cargo.toml: \`target.'cfg(unix)'.dev-dependencies.t\`: is a path dependency on ../t, which has no Cargo.toml. Fix the path, or create the crate there`,
  },
  {
    title: 'an inherited path dependency on a missing directory names the member that uses it',
    files: {
      'Cargo.toml': `${globWorkspace}\n[workspace.dependencies]\nb = { path = "crates/b" }\n`,
      'crates/a/Cargo.toml': crate('a', '\n[dependencies]\nb = { workspace = true }\n'),
    },
    message: (dir) =>
      `${dir}/crates/a/Cargo.toml: \`dependencies.b\`: is a path dependency on ../b, which has no Cargo.toml. Fix the path, or create the crate there`,
  },
  {
    title: 'a { workspace = true } dependency missing from [workspace.dependencies]',
    files: {
      'Cargo.toml': globWorkspace,
      'crates/a/Cargo.toml': crate('a', '\n[build-dependencies]\nserde = { workspace = true }\n'),
    },
    message: (dir) =>
      `${dir}/crates/a/Cargo.toml: \`build-dependencies.serde\`: is { workspace = true }, but [workspace.dependencies] in ${dir}/Cargo.toml has no \`serde\`. Add serde to [workspace.dependencies], or give its version or path here`,
  },
  {
    title: 'an inherited version the workspace does not set',
    files: {
      'Cargo.toml': globWorkspace,
      'crates/a/Cargo.toml': '[package]\nname = "a"\nversion.workspace = true\nedition = "2021"\n',
    },
    message: (dir) =>
      `${dir}/crates/a/Cargo.toml: \`package.version\`: is inherited with { workspace = true }, but ${dir}/Cargo.toml has no \`workspace.package.version\`. Set version in [workspace.package] of ${dir}/Cargo.toml, or give it here`,
  },
  {
    title: 'an inherited publish that is not a boolean or a list',
    files: {
      'Cargo.toml': `${globWorkspace}\n[workspace.package]\npublish = "yes"\n`,
      'crates/a/Cargo.toml': crate('a', 'publish.workspace = true\n'),
    },
    message: (dir) =>
      `${dir}/Cargo.toml: \`workspace.package.publish\`: must be true, false or a list of registry names. Write it as publish = false or publish = ["my-registry"]`,
  },
  {
    title: 'members written as a string',
    files: { 'Cargo.toml': '[workspace]\nmembers = "crates/*"\n', 'crates/a/Cargo.toml': crate('a') },
    message: (dir) =>
      `${dir}/Cargo.toml: \`workspace.members\`: must be a list of strings. Write it as ["path", "glob/*"]`,
  },
  {
    title: 'a dependency that is neither a version nor a table',
    files: { 'Cargo.toml': globWorkspace, 'crates/a/Cargo.toml': crate('a', '\n[dependencies]\nb = 5\n') },
    message: (dir) =>
      `${dir}/crates/a/Cargo.toml: \`dependencies.b\`: must be a version string or an inline table. Write it as "1.0" or { path = "...", version = "..." }`,
  },
  {
    title: 'a package without a name',
    files: { 'Cargo.toml': globWorkspace, 'crates/a/Cargo.toml': '[package]\nversion = "0.1.0"\n' },
    message: (dir) =>
      `${dir}/crates/a/Cargo.toml: \`package.name\`: is missing or not a string. Give the package a name: name = "my-crate"`,
  },
  {
    title: 'a version that is not a full semantic version',
    files: {
      'Cargo.toml': globWorkspace,
      'crates/a/Cargo.toml': '[package]\nname = "a"\nversion = "0.1"\nedition = "2021"\n',
    },
    message: (dir) =>
      `${dir}/crates/a/Cargo.toml: \`package.version\`: has an unexpected value ("0.1"). Use a full semantic version like "0.1.0", or { workspace = true } to inherit it`,
  },
  {
    title: 'a version with a leading v',
    files: {
      'Cargo.toml': globWorkspace,
      'crates/a/Cargo.toml': '[package]\nname = "a"\nversion = "v1.0.0"\nedition = "2021"\n',
    },
    message: (dir) =>
      `${dir}/crates/a/Cargo.toml: \`package.version\`: has an unexpected value ("v1.0.0"). Use a full semantic version like "0.1.0", or { workspace = true } to inherit it`,
  },
  {
    title: 'an inherited workspace version that is not a full semantic version',
    files: {
      'Cargo.toml': `${globWorkspace}\n[workspace.package]\nversion = "1.0"\n`,
      'crates/a/Cargo.toml': '[package]\nname = "a"\nversion.workspace = true\nedition = "2021"\n',
    },
    message: (dir) =>
      `${dir}/Cargo.toml: \`workspace.package.version\`: must be a full semantic version ("1.0"). Write it as version = "0.1.0"`,
  },
  {
    title: 'an edition this cargo does not know',
    files: {
      'Cargo.toml': globWorkspace,
      'crates/a/Cargo.toml': '[package]\nname = "a"\nversion = "0.1.0"\nedition = "2020"\n',
    },
    message: (dir) =>
      `${dir}/crates/a/Cargo.toml: \`package.edition\`: has an unexpected value ("2020"). Use one of "2015", "2018", "2021", "2024", or { workspace = true } to inherit it`,
  },
  {
    title: 'an edition written as a number',
    files: {
      'Cargo.toml': globWorkspace,
      'crates/a/Cargo.toml': '[package]\nname = "a"\nversion = "0.1.0"\nedition = 2021\n',
    },
    message: (dir) =>
      `${dir}/crates/a/Cargo.toml: \`package.edition\`: has an unexpected value (2021). Use one of "2015", "2018", "2021", "2024", or { workspace = true } to inherit it`,
  },
  {
    title: 'a publish that is neither a boolean nor a list',
    files: { 'Cargo.toml': globWorkspace, 'crates/a/Cargo.toml': crate('a', 'publish = "no"\n') },
    message: (dir) =>
      `${dir}/crates/a/Cargo.toml: \`package.publish\`: has an unexpected value ("no"). Use true, false or a list of registry names, or { workspace = true } to inherit it`,
  },
  {
    title: 'a crate name with a character cargo refuses',
    files: { 'Cargo.toml': globWorkspace, 'crates/a/Cargo.toml': crate('my crate') },
    message: (dir) =>
      `${dir}/crates/a/Cargo.toml: \`package.name\`: is not a valid crate name (\`my crate\`). Use letters, digits, \`-\` and \`_\`, starting with a letter or \`_\``,
  },
  {
    title: 'a crate name starting with a digit',
    files: { 'Cargo.toml': globWorkspace, 'crates/a/Cargo.toml': crate('1password') },
    message: (dir) =>
      `${dir}/crates/a/Cargo.toml: \`package.name\`: is not a valid crate name (\`1password\`). Use letters, digits, \`-\` and \`_\`, starting with a letter or \`_\``,
  },
  {
    title: 'include that is not a list of patterns',
    files: { 'Cargo.toml': globWorkspace, 'crates/a/Cargo.toml': crate('a', 'include = "src/**"\n') },
    message: (dir) =>
      `${dir}/crates/a/Cargo.toml: \`package.include\`: has an unexpected value ("src/**"). Use a list of path patterns like ["src/**/*", "Cargo.toml"], or { workspace = true } to inherit it`,
  },
  {
    title: 'two members of one workspace with one name',
    files: { 'Cargo.toml': globWorkspace, 'crates/a/Cargo.toml': crate('same'), 'crates/b/Cargo.toml': crate('same') },
    message: (dir) =>
      `${dir}/crates/b/Cargo.toml: \`package.name\`: declares the crate \`same\`, as does ${dir}/crates/a/Cargo.toml, in the same Cargo workspace (${dir}/Cargo.toml). Give one of them another name: Cargo refuses two members with one name`,
  },
];

describe('bad input through loadCargoWorkspaces', () => {
  it.each(CASES)('$title', ({ files, message }) => {
    const dir = workspace(files);
    expect(() => cargoMetadata(join(dir, 'Cargo.toml')), 'cargo rejects it too').toThrow();
    expect(modelError(() => loadModel(dir)).message).toBe(message(dir));
  });
});

/** The edges createDependencies draws between the crates of `dir`. */
const edgesOf = (dir: string) => {
  const projects: CargoProject[] = loadModel(dir).flatMap((workspace) =>
    workspace.members.map((pkg) => ({
      kind: 'cargo' as const,
      name: pkg.name,
      root: dirname(pkg.manifestPath),
      pkg,
      workspace,
    })),
  );
  return polyglotEdges(projects);
};

describe('a symbolic link back up a member glob', () => {
  it('ends where the OS stops following links, and both refuse the crate met again under a longer path', () => {
    const dir = workspace({
      'Cargo.toml': '[workspace]\nmembers = ["crates/**/a"]\nresolver = "2"\n',
      'crates/a/Cargo.toml': crate('a'),
    });
    symlinkSync('..', join(dir, 'crates/a/up'));
    expect(() => cargoMetadata(join(dir, 'Cargo.toml')), 'cargo rejects it too').toThrow(/two packages named `a`/);
    expect(modelError(() => loadModel(dir)).message).toBe(
      `${dir}/crates/a/up/a/Cargo.toml: \`package.name\`: declares the crate \`a\`, as does ${dir}/crates/a/Cargo.toml, in the same Cargo workspace (${dir}/Cargo.toml). Give one of them another name: Cargo refuses two members with one name`,
    );
  });
});

describe('bad input caught when edges are drawn', () => {
  it('a path dependency outside the workspace root onto a missing directory', () => {
    const dir = workspace({
      'ws/Cargo.toml': '[workspace]\nmembers = ["a"]\n',
      'ws/a/Cargo.toml': crate('a', '\n[dependencies]\nx = { path = "../../x" }\n'),
    });
    expect(() => cargoMetadata(join(dir, 'ws', 'Cargo.toml'))).toThrow();
    expect(modelError(() => edgesOf(dir)).message).toBe(
      `${dir}/ws/a/Cargo.toml: \`dependencies.x\`: is a path dependency on ${dir}/x, which has no Cargo.toml. Fix the path, or create the crate there`,
    );
  });

  it('a path dependency onto a directory holding another package', () => {
    const dir = workspace({
      'Cargo.toml': globWorkspace,
      'crates/a/Cargo.toml': crate('a', '\n[dependencies]\nb = { path = "../b" }\n'),
      'crates/b/Cargo.toml': crate('bee'),
    });
    // `--no-deps` does not look at names; resolving does ("no matching package named `b`")
    const resolve = () =>
      execFileSync('cargo', ['metadata', '--offline', '--format-version', '1'], { cwd: dir, stdio: 'pipe' });
    expect(resolve).toThrow(/no matching package/);
    const { message } = modelError(() => edgesOf(dir));
    expect(message).toBe(
      `${dir}/crates/a/Cargo.toml: \`dependencies.b\`: points to crates/b/Cargo.toml, which is the package \`bee\`, not \`b\`. Use package = "bee" to rename it, or fix the path`,
    );
  });
});

describe('a package inside a workspace that neither lists nor excludes it', () => {
  const metadataOf = (dir: string, manifest: string) => () =>
    execFileSync(
      'cargo',
      ['metadata', '--no-deps', '--offline', '--format-version', '1', '--manifest-path', manifest],
      {
        cwd: dir,
        stdio: 'pipe',
      },
    );

  it('is no project, as for cargo at the workspace root, which leaves it out (and refuses it on its own)', () => {
    const dir = workspace({
      'Cargo.toml': '[workspace]\nmembers = ["crates/a"]\n',
      'crates/a/Cargo.toml': crate('a'),
      'crates/stray/Cargo.toml': crate('stray', '\n[dependencies]\na = { path = "../a" }\n'),
    });
    const packages = (manifest: string) =>
      (JSON.parse(metadataOf(dir, join(dir, manifest))().toString()) as { packages: Array<{ name: string }> }).packages;
    expect(packages('Cargo.toml').map((p) => p.name)).toEqual(['a']);
    expect(metadataOf(dir, join(dir, 'crates/stray/Cargo.toml'))).toThrow(/believes it's in a workspace when it's not/);
    const roots = loadModel(dir).map((w) => [w.rootManifest.slice(dir.length + 1), w.members.map((p) => p.name)]);
    expect(roots).toEqual([['Cargo.toml', ['a']]]);
  });

  it('is its own workspace when the enclosing workspace excludes it, or when it has a [workspace] table', () => {
    const dir = workspace({
      'Cargo.toml': '[workspace]\nmembers = ["crates/a"]\nexclude = ["fuzz"]\n',
      'crates/a/Cargo.toml': crate('a'),
      'fuzz/Cargo.toml': crate('fuzz', '\n[dependencies]\na = { path = "../crates/a" }\n'),
      'tools/own/Cargo.toml': crate('own', '\n[workspace]\n'),
    });
    for (const m of ['fuzz/Cargo.toml', 'tools/own/Cargo.toml']) expect(metadataOf(dir, join(dir, m))).not.toThrow();
    const roots = loadModel(dir).map((w) => [w.rootManifest.slice(dir.length + 1), w.members.map((p) => p.name)]);
    expect(roots.sort()).toEqual([
      ['Cargo.toml', ['a']],
      ['fuzz/Cargo.toml', ['fuzz']],
      ['tools/own/Cargo.toml', ['own']],
    ]);
  });
});

describe('a path dependency into a git submodule that is not checked out', () => {
  const gitmodules = '[submodule "core"]\n\tpath = vendor/core\n\turl = https://example.com/core.git\n';
  const fix = (dir: string) =>
    `It is in the git submodule vendor/core, which is not checked out: run \`git submodule update --init\` in ${dir}, or fix the path`;

  it('says to check the submodule out, for a workspace member', () => {
    const dir = workspace({
      '.gitmodules': gitmodules,
      'Cargo.toml': '[workspace]\nmembers = ["a"]\n',
      'a/Cargo.toml': crate('a', '\n[dependencies]\nx = { path = "../vendor/core/crates/x" }\n'),
    });
    mkdirSync(join(dir, 'vendor/core'), { recursive: true }); // git leaves the submodule's directory empty
    expect(() => cargoMetadata(join(dir, 'Cargo.toml'))).toThrow();
    expect(modelError(() => loadModel(dir)).message).toBe(
      `${dir}/a/Cargo.toml: \`dependencies.x\`: is a path dependency on ../vendor/core/crates/x, which has no Cargo.toml. ${fix(dir)}`,
    );
  });

  it('says to check the submodule out, for a standalone crate (caught when edges are drawn)', () => {
    const dir = workspace({
      '.gitmodules': gitmodules,
      'bridge/Cargo.toml': crate('bridge', '\n[dependencies]\nx = { path = "../vendor/core/crates/x" }\n'),
    });
    mkdirSync(join(dir, 'vendor/core'), { recursive: true });
    expect(modelError(() => edgesOf(dir)).message).toBe(
      `${dir}/bridge/Cargo.toml: \`dependencies.x\`: is a path dependency on ${dir}/vendor/core/crates/x, which has no Cargo.toml. ${fix(dir)}`,
    );
  });

  it('keeps the plain fix when the submodule is checked out or the path is in no submodule', () => {
    const dir = workspace({
      '.gitmodules': gitmodules,
      'vendor/core/README.md': 'checked out\n',
      'Cargo.toml': '[workspace]\nmembers = ["a"]\n',
      'a/Cargo.toml': crate('a', '\n[dependencies]\nx = { path = "../vendor/core/crates/x" }\n'),
    });
    expect(modelError(() => loadModel(dir)).message).toMatch(
      /which has no Cargo.toml\. Fix the path, or create the crate there$/,
    );
  });
});

describe('several refused manifests in one load', () => {
  it('are all named, each with its file, key and fix, and the manifests cargo accepts are still read', () => {
    // a member inheriting from a [workspace.dependencies] the root lacks, a cargo-generate
    // template, and a member with a TOML syntax error: cargo stops on the first of them
    const dir = workspace({
      'Cargo.toml': globWorkspace,
      'crates/good/Cargo.toml': crate('good'),
      'crates/inherits/Cargo.toml': crate('inherits', '\n[dependencies]\nserde.workspace = true\n'),
      'crates/template/Cargo.toml': crate('{{project-name}}'),
      'crates/broken/Cargo.toml': '[package]\nname = "broken\n',
    });
    expect(() => cargoMetadata(join(dir, 'Cargo.toml')), 'cargo rejects it too').toThrow();
    const refusals = new Refusals();
    const workspaces = loadCargoWorkspaces(findCargoManifests(dir), realCargoFiles(), refusals);
    expect(workspaces.flatMap((w) => w.members.map((m) => m.name))).toEqual(['good']);
    expect(refusals.all.map((e) => [e.file.slice(dir.length + 1), e.key]).sort()).toEqual([
      ['crates/broken/Cargo.toml', undefined],
      ['crates/inherits/Cargo.toml', 'dependencies.serde'],
      ['crates/template/Cargo.toml', 'package.name'],
    ]);
    expect(refusals.all.map((e) => e.fix).sort()).toEqual([
      'Add serde to [workspace.dependencies], or give its version or path here',
      'Fix the syntax error',
      'Use letters, digits, `-` and `_`, starting with a letter or `_`',
    ]);
    // without a collector, the first refusal is thrown, as before
    expect(modelError(() => loadModel(dir)).file).toMatch(/Cargo\.toml$/);
  });
});
