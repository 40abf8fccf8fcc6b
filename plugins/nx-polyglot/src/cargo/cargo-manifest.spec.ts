import { describe, expect, it } from 'vitest';
import { parseCargoManifest } from './cargo-manifest';

describe('parseCargoManifest', () => {
  it('reads every dependency table, target-specific ones included', () => {
    const m = parseCargoManifest(
      `[package]
name = "a"
version.workspace = true

[dependencies]
b = { path = "../b", version = "^0.1" }
serde = "1"

[dev-dependencies]
c = { workspace = true }

[build-dependencies]
d = { package = "real-d", path = "../d" }

[target.'cfg(unix)'.dependencies]
e = { path = "../e" }
`,
      '/ws/a/Cargo.toml',
    );
    expect(m.package).toEqual({ name: 'a', version: { workspace: true }, publish: undefined });
    expect(
      m.dependencies.map((d) => [d.key, d.kind, d.target, d.path ?? null, d.package ?? null, d.workspace]),
    ).toEqual([
      ['b', 'normal', null, '../b', null, false],
      ['serde', 'normal', null, null, null, false],
      ['c', 'dev', null, null, null, true],
      ['d', 'build', null, '../d', 'real-d', false],
      ['e', 'normal', 'cfg(unix)', '../e', null, false],
    ]);
  });

  it('names the file and line of a syntax error', () => {
    expect(() => parseCargoManifest('[package]\nname = "a\n', '/ws/a/Cargo.toml')).toThrow(
      /\/ws\/a\/Cargo.toml:2: invalid TOML/,
    );
  });

  it('rejects a manifest with neither [package] nor [workspace]', () => {
    expect(() => parseCargoManifest('[dependencies]\n', '/ws/x/Cargo.toml')).toThrow(
      /neither a \[package\] nor a \[workspace\]/,
    );
  });
});
