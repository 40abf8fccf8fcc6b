import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES_DIR, findCargoManifests } from './cargo/__fixtures__/cargo-metadata';
import { CargoManifest, parseCargoManifest } from './cargo/cargo-manifest';
import { loadCargoWorkspaces } from './cargo/cargo-workspace';
import { ManifestCache, subdirectories } from './manifest-cache';
import { ManifestError } from './manifest-error';

let dir: string;
let cacheFile: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nx-polyglot-cache-'));
  cacheFile = join(dir, 'workspace-data', 'nx-polyglot', 'cargo-manifests.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh Nx process: a new cache instance over the same cache file. */
const newProcess = () => new ManifestCache<CargoManifest>(parseCargoManifest, cacheFile);
const entriesOnDisk = () => Object.keys(JSON.parse(readFileSync(cacheFile, 'utf8'))).length;

describe('ManifestCache', () => {
  it('serves unchanged manifests to a new instance without parsing, and re-parses exactly the changed one', () => {
    const ws = join(dir, 'ws');
    cpSync(join(FIXTURES_DIR, 'workspace-inheritance'), ws, { recursive: true });
    const manifests = findCargoManifests(ws);
    expect(manifests).toHaveLength(6);
    const load = (cache: ManifestCache<CargoManifest>) => {
      const workspaces = loadCargoWorkspaces(manifests, { manifest: (f) => cache.get(f), subdirectories });
      cache.save();
      return workspaces;
    };

    const first = newProcess();
    const before = load(first);
    expect(first.parsed).toBe(6);
    expect(entriesOnDisk()).toBe(6);

    const second = newProcess();
    expect(load(second)).toEqual(before);
    expect(second.parsed).toBe(0);

    const lib = join(ws, 'lib', 'Cargo.toml');
    writeFileSync(lib, readFileSync(lib, 'utf8').replace('version.workspace = true', 'version = "9.9.9"'));
    const third = newProcess();
    const after = load(third);
    expect(third.parsed).toBe(1);
    expect(after[0].members.find((m) => m.name === 'lib')?.version).toBe('9.9.9');
    // the entry of the old lib/Cargo.toml is stale and dropped
    expect(entriesOnDisk()).toBe(6);
  });

  it('keys entries by path as well as content: two identical files are two entries', () => {
    const text = '[package]\nname = "same"\nversion = "0.1.0"\n';
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a', 'Cargo.toml'), text);
    writeFileSync(join(dir, 'b', 'Cargo.toml'), text);
    const cache = newProcess();
    expect(cache.get(join(dir, 'a', 'Cargo.toml'))?.file).toBe(join(dir, 'a', 'Cargo.toml'));
    expect(cache.get(join(dir, 'b', 'Cargo.toml'))?.file).toBe(join(dir, 'b', 'Cargo.toml'));
    expect(cache.parsed).toBe(2);
  });

  it('answers undefined for a missing file, and caches nothing for a manifest that does not parse', () => {
    const cache = newProcess();
    expect(cache.get(join(dir, 'nowhere', 'Cargo.toml'))).toBeUndefined();
    writeFileSync(join(dir, 'Cargo.toml'), '[package\n');
    expect(() => cache.get(join(dir, 'Cargo.toml'))).toThrow(ManifestError);
    expect(() => cache.get(join(dir, 'Cargo.toml'))).toThrow(ManifestError);
    cache.save();
    expect(existsSync(cacheFile)).toBe(false);
  });

  it('starts empty when the cache file is unreadable', () => {
    mkdirSync(join(dir, 'workspace-data', 'nx-polyglot'), { recursive: true });
    writeFileSync(cacheFile, '{ torn');
    writeFileSync(join(dir, 'Cargo.toml'), '[package]\nname = "a"\n');
    const cache = newProcess();
    expect(cache.get(join(dir, 'Cargo.toml'))?.package?.name).toBe('a');
    expect(cache.parsed).toBe(1);
    cache.save();
    expect(entriesOnDisk()).toBe(1);
  });
});

describe('subdirectories', () => {
  it('lists directories only, and nothing for a missing directory', () => {
    mkdirSync(join(dir, 'crate'));
    mkdirSync(join(dir, '.hidden'));
    writeFileSync(join(dir, 'file.txt'), '');
    expect(subdirectories(dir).sort()).toEqual(['.hidden', 'crate']);
    expect(subdirectories(join(dir, 'missing'))).toEqual([]);
  });
});
