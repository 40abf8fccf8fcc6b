import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SparseIndex } from './sparse-index';
import { ManifestError } from '../manifest-error';
import { cratesIoIndex, registrySettings } from './cargo-config';

const root = mkdtempSync(join(tmpdir(), 'cargo-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const write = (path: string, text: string) => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
};
write('home/config.toml', '[registries.corp]\nindex = "sparse+https://home.example/index/"\n');
write('home/credentials.toml', '[registries.corp]\ntoken = "from-credentials"\n');
write('repo/.cargo/config.toml', '[registries.corp]\nindex = "sparse+http://127.0.0.1:9/repo/"\n');
write('repo/rust/.cargo/config.toml', '[registries.local]\nindex = "sparse+http://127.0.0.1:9/local/"\n');
mkdirSync(join(root, 'repo/rust/crates'), { recursive: true });
const env = { CARGO_HOME: join(root, 'home') };

describe("a registry's index and token, where cargo finds them", () => {
  it('reads .cargo/config.toml from the directory cargo runs in and every parent, the deepest first, then CARGO_HOME', () => {
    expect(registrySettings('local', join(root, 'repo/rust/crates'), env).index).toBe(
      'sparse+http://127.0.0.1:9/local/',
    );
    expect(registrySettings('corp', join(root, 'repo/rust/crates'), env).index).toBe('sparse+http://127.0.0.1:9/repo/');
    expect(registrySettings('corp', root, env).index).toBe('sparse+https://home.example/index/');
  });

  it("takes the token from cargo's credentials.toml, and the environment over every file", () => {
    expect(registrySettings('corp', join(root, 'repo'), env).token).toBe('from-credentials');
    const overridden = registrySettings('corp', join(root, 'repo'), {
      ...env,
      CARGO_REGISTRIES_CORP_INDEX: 'sparse+http://env/',
      CARGO_REGISTRIES_CORP_TOKEN: 'from-env',
    });
    expect(overridden).toMatchObject({ index: 'sparse+http://env/', token: 'from-env' });
  });

  it('is what the sparse-index client uses, and its error names both places', () => {
    expect(new SparseIndex('local', env, undefined, join(root, 'repo/rust')).url).toBe('http://127.0.0.1:9/local/');
    expect(() => new SparseIndex('nowhere', env, undefined, join(root, 'repo'))).toThrow(
      'The index URL of the Cargo registry `nowhere` is not set. Set CARGO_REGISTRIES_NOWHERE_INDEX (e.g. sparse+http://127.0.0.1:8000/api/v1/crates/), or index under [registries.nowhere] in .cargo/config.toml',
    );
  });
});

describe('where cargo fetches the crates of crates.io (cratesIoIndex)', () => {
  const at = (path: string, files: Record<string, string>) => {
    for (const [file, text] of Object.entries(files)) write(`${path}/${file}`, text);
    return join(root, path);
  };

  it("is crates.io's sparse index unless a config replaces it", () => {
    expect(cratesIoIndex(join(root, 'repo'), env)).toEqual({
      index: 'sparse+https://index.crates.io/',
      source: 'crates.io',
    });
  });

  it('follows [source.crates-io] replace-with, the deepest config first, to a source or a registry', () => {
    const dir = at('mirrored', {
      '.cargo/config.toml':
        '[source.crates-io]\nreplace-with = "corp-mirror"\n[source.corp-mirror]\nreplace-with = "vendor-proxy"\n[source.vendor-proxy]\nregistry = "sparse+https://mirror.example/index/"\n',
      'inner/.cargo/config.toml':
        '[source.crates-io]\nreplace-with = "inner-registry"\n[registries.inner-registry]\nindex = "sparse+https://inner.example/"\n',
    });
    expect(cratesIoIndex(dir, env)).toMatchObject({ index: 'sparse+https://mirror.example/index/' });
    expect(cratesIoIndex(join(dir, 'inner'), env)).toMatchObject({ index: 'sparse+https://inner.example/' });
  });

  it('is an error naming the file and key for a replacement that is no HTTP index, or a cycle', () => {
    const vendored = at('vendored', {
      '.cargo/config.toml':
        '[source.crates-io]\nreplace-with = "vendored-sources"\n[source.vendored-sources]\ndirectory = "vendor"\n',
    });
    const error = cratesIoIndex(vendored, env);
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).message).toContain(
      `${join(vendored, '.cargo/config.toml')}: \`source.vendored-sources\`: replaces crates.io with \`vendored-sources\`, which is not a sparse index`,
    );
    const cycle = at('cycle', {
      '.cargo/config.toml': '[source.crates-io]\nreplace-with = "a"\n[source.a]\nreplace-with = "crates-io"\n',
    });
    expect((cratesIoIndex(cycle, env) as ManifestError).key).toBe('source.a.replace-with');
  });
});
