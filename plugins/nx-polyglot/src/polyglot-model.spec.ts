import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManifestError } from './manifest-error';
import { OtherProject, loadPolyglotModel, manifestCaches, resetManifestCaches } from './polyglot-model';

let root: string;

function workspace(files: Record<string, string>): string[] {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return Object.keys(files).filter((f) => /(Cargo|pyproject)\.toml$/.test(f));
}

const crate = (name: string) => `[package]\nname = "${name}"\nversion = "0.12.0"\nedition = "2024"\n`;
const poetry = (name: string) => `[tool.poetry]\nname = "${name}"\nversion = "0.12.0"\n`;
const names = (manifests: string[], options = {}, others: OtherProject[] = []) =>
  Object.fromEntries(loadPolyglotModel(root, manifests, options, others).projects.map((p) => [p.root, p.name]));

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'polyglot-model-'));
  resetManifestCaches();
  manifestCaches(join(root, '.nx', 'workspace-data'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('project names', () => {
  it('are the crate and distribution names when nothing collides', () => {
    expect(
      names(
        workspace({
          'rust/Cargo.toml': crate('micromegas'),
          'python/client/pyproject.toml': poetry('micromegas-client'),
        }),
      ),
    ).toEqual({
      rust: 'micromegas',
      'python/client': 'micromegas-client',
    });
  });

  it('prefix both sides with their ecosystem when a crate and a Python distribution share a name', () => {
    const manifests = workspace({
      'rust/public/Cargo.toml': crate('micromegas'),
      'python/micromegas/pyproject.toml': poetry('micromegas'),
    });
    expect(names(manifests)).toEqual({ 'rust/public': 'rust-micromegas', 'python/micromegas': 'python-micromegas' });
  });

  it('compare Python names the PEP 503 way and take the prefixes from the options', () => {
    const manifests = workspace({ 'a/Cargo.toml': crate('my-tool'), 'b/pyproject.toml': poetry('My_Tool') });
    expect(names(manifests, { collisionPrefixes: { cargo: 'rs-', python: 'py-' } })).toEqual({
      a: 'rs-my-tool',
      b: 'py-My_Tool',
    });
  });

  it('qualify by root two crates of one name in two Cargo workspaces (xtask, fuzz), leaving the others alone', () => {
    const manifests = workspace({
      'Cargo.toml': '[workspace]\nmembers = ["xtask", "core"]\n',
      'xtask/Cargo.toml': crate('xtask'),
      'core/Cargo.toml': crate('core'),
      'fuzz/Cargo.toml': '[workspace]\nmembers = ["xtask"]\n',
      'fuzz/xtask/Cargo.toml': crate('xtask'),
    });
    expect(names(manifests)).toEqual({ xtask: 'xtask@xtask', 'fuzz/xtask': 'xtask@fuzz/xtask', core: 'core' });
  });

  it('prefix a crate named like a package.json package Nx names itself, and keep that name for Nx', () => {
    const manifests = workspace({ 'src-tauri/Cargo.toml': crate('pot'), 'lib/Cargo.toml': crate('lib') });
    expect(names(manifests, {}, [{ root: '.', name: 'pot' }])).toEqual({ 'src-tauri': 'rust-pot', lib: 'lib' });
  });

  it('are not changed by a package.json at the same root: Nx merges them into one project', () => {
    const manifests = workspace({ 'napi/Cargo.toml': crate('binding') });
    expect(names(manifests, {}, [{ root: 'napi', name: 'binding' }])).toEqual({ napi: 'binding' });
  });

  it('qualify by root a crate and a Python package of one name when an ecosystem claims it twice', () => {
    const manifests = workspace({
      'a/Cargo.toml': crate('tool'),
      'b/Cargo.toml': crate('tool'),
      'py/pyproject.toml': poetry('tool'),
    });
    expect(names(manifests)).toEqual({ a: 'tool@a', b: 'tool@b', py: 'python-tool' });
  });

  it('compare names as PEP 503 and crates.io do: a crate and a Python package both called demo_app collide', () => {
    const manifests = workspace({
      'rust/demo_app/Cargo.toml': crate('demo_app'),
      'python/demo_app/pyproject.toml': '[project]\nname = "demo_app"\n',
    });
    expect(names(manifests)).toEqual({ 'rust/demo_app': 'rust-demo_app', 'python/demo_app': 'python-demo_app' });
  });

  it('name a crate beside a package.json as Nx names the package.json (one project)', () => {
    const manifests = workspace({ 'packages/cli/Cargo.toml': crate('cli-node') });
    expect(names(manifests, {}, [{ root: 'packages/cli', name: '@acme/cli' }])).toEqual({
      'packages/cli': '@acme/cli',
    });
  });

  it('qualify by root a prefixed name that another project already has', () => {
    const manifests = workspace({
      'a/Cargo.toml': crate('x'),
      'b/Cargo.toml': crate('rust-x'),
      'py/pyproject.toml': poetry('x'),
    });
    expect(names(manifests)).toEqual({ a: 'x@a', b: 'rust-x', py: 'python-x' });
  });

  it("give a maturin package and its crate in one directory one name, the Python package's", () => {
    const manifests = workspace({
      'bindings/Cargo.toml': crate('tokenizers-python'),
      'bindings/pyproject.toml':
        '[project]\nname = "tokenizers"\nversion = "0.1.0"\n[build-system]\nbuild-backend = "maturin"\n',
    });
    const { projects } = loadPolyglotModel(root, manifests);
    expect(projects.map((p) => [p.kind, p.root, p.name])).toEqual([
      ['cargo', 'bindings', 'tokenizers'],
      ['python', 'bindings', 'tokenizers'],
    ]);
  });

  it('refuse two members of one Cargo workspace with one name, as cargo does, naming both manifests', () => {
    const manifests = workspace({
      'Cargo.toml': '[workspace]\nmembers = ["one", "two"]\n',
      'one/Cargo.toml': crate('dup'),
      'two/Cargo.toml': crate('dup'),
    });
    expect(() => names(manifests)).toThrow(ManifestError);
    expect(() => names(manifests)).toThrow(
      /two\/Cargo\.toml: `package\.name`: declares the crate `dup`, as does .*one\/Cargo\.toml, in the same Cargo workspace/,
    );
  });
});

describe('a crate cargo reaches through a symbolic link', () => {
  it("is a project where its files are, the link's target, which Nx lists (it lists nothing below a link)", () => {
    const manifests = workspace({
      'Cargo.toml': '[workspace]\nmembers = ["crates/*"]\n',
      'crates/plain/Cargo.toml': crate('plain'),
      'vendor/linked/Cargo.toml': crate('linked'),
    });
    symlinkSync('../vendor/linked', join(root, 'crates/linked'));
    expect(names(manifests)).toEqual({ 'crates/plain': 'plain', 'vendor/linked': 'linked' });
  });

  it('is refused when the link leads out of the Nx workspace, where Nx sees no file', () => {
    const outside = mkdtempSync(join(tmpdir(), 'polyglot-model-outside-'));
    try {
      writeFileSync(join(outside, 'Cargo.toml'), crate('away'));
      const manifests = workspace({ 'Cargo.toml': '[workspace]\nmembers = ["crates/*"]\n' });
      mkdirSync(join(root, 'crates'));
      symlinkSync(outside, join(root, 'crates/away'));
      expect(() => names(manifests)).toThrow(ManifestError);
      expect(() => names(manifests)).toThrow(
        `${join(root, 'Cargo.toml')}: \`workspace.members\`: takes crates/away as a member, a symbolic link to ${outside}, outside the Nx workspace`,
      );
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('Python packages', () => {
  it('a tool-configuration-only pyproject.toml is no project and no error', () => {
    const manifests = workspace({
      'pyproject.toml': '[tool.ruff]\nline-length = 100\n',
      'docs/pyproject.toml': '[tool.black]\n',
      'pkg/pyproject.toml': poetry('pkg'),
    });
    expect(names(manifests)).toEqual({ pkg: 'pkg' });
  });
});
