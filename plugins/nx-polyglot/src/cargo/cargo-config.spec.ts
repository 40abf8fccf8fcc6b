import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SparseIndex } from './sparse-index';
import { registrySettings } from './cargo-config';

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
    expect(new SparseIndex('local', env, 1000, join(root, 'repo/rust')).url).toBe('http://127.0.0.1:9/local/');
    expect(() => new SparseIndex('nowhere', env, 1000, join(root, 'repo'))).toThrow(
      'The index URL of the Cargo registry `nowhere` is not set. Set CARGO_REGISTRIES_NOWHERE_INDEX (e.g. sparse+http://127.0.0.1:8000/api/v1/crates/), or index under [registries.nowhere] in .cargo/config.toml',
    );
  });
});
