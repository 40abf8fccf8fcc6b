import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManifestError } from './manifest-error';
import { loadPolyglotModel, manifestCaches, resetManifestCaches } from './polyglot-model';

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
const names = (manifests: string[], options = {}) =>
  Object.fromEntries(loadPolyglotModel(root, manifests, options).projects.map((p) => [p.root, p.name]));

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'polyglot-model-'));
  resetManifestCaches();
  manifestCaches(join(root, '.nx', 'workspace-data'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('project names', () => {
  it('are the crate and distribution names when nothing collides', () => {
    expect(names(workspace({ 'rust/Cargo.toml': crate('micromegas'), 'python/client/pyproject.toml': poetry('micromegas-client') }))).toEqual({
      rust: 'micromegas',
      'python/client': 'micromegas-client',
    });
  });

  it('prefix both sides with their ecosystem when a crate and a Python distribution share a name', () => {
    const manifests = workspace({ 'rust/public/Cargo.toml': crate('micromegas'), 'python/micromegas/pyproject.toml': poetry('micromegas') });
    expect(names(manifests)).toEqual({ 'rust/public': 'rust-micromegas', 'python/micromegas': 'python-micromegas' });
  });

  it('compare Python names the PEP 503 way and take the prefixes from the options', () => {
    const manifests = workspace({ 'a/Cargo.toml': crate('my-tool'), 'b/pyproject.toml': poetry('My_Tool') });
    expect(names(manifests, { collisionPrefixes: { cargo: 'rs-', python: 'py-' } })).toEqual({ a: 'rs-my-tool', b: 'py-My_Tool' });
  });

  it('refuse two crates with one name, naming both manifests', () => {
    const manifests = workspace({ 'one/Cargo.toml': crate('dup'), 'two/Cargo.toml': crate('dup') });
    expect(() => names(manifests)).toThrow(ManifestError);
    expect(() => names(manifests)).toThrow(/two\/Cargo\.toml: `package\.name`: declares the crate `dup`, as does .*one\/Cargo\.toml/);
  });
});
