import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCargoManifest } from './cargo-manifest';
import { loadCargoWorkspaces } from './cargo-workspace';
import { CargoResolution, prepareCargoResolution, repositoryCrates } from './publish-resolution';
import { indexPath } from './sparse-index';

// one fake sparse index plays the local registry (under /local/) and the crates.io mirror (under /mirror/)
const files: Record<string, string> = {
  [`local/${indexPath('b')}`]: JSON.stringify({ name: 'b', vers: '0.1.0', cksum: '', yanked: false }),
  [`mirror/${indexPath('itoa')}`]: JSON.stringify({ name: 'itoa', vers: '1.0.15', cksum: '', yanked: false }),
  // the public namesake of our `b`: a rehearsal must not see it
  [`mirror/${indexPath('b')}`]: JSON.stringify({ name: 'b', vers: '9.0.0', cksum: '', yanked: false }),
};
let server: Server;
let base: string;
const work = mkdtempSync(join(tmpdir(), 'publish-resolution-'));

// the e2e runs this suite inside a release whose environment names a real `local` registry; cargo's variables win over
// the config below, so they are set aside here
const inherited = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => /^CARGO_REGISTRIES_LOCAL_|^CARGO_REGISTRY_/.test(k)),
);

beforeAll(async () => {
  for (const k of Object.keys(inherited)) delete process.env[k];
  server = createServer((req, res) => {
    const file = files[(req.url ?? '').slice(1)];
    res.writeHead(file === undefined ? 404 : 200).end(file ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // cargo's config of the workspace: crates.io comes from the mirror
  mkdirSync(join(work, '.cargo'));
  writeFileSync(
    join(work, '.cargo', 'config.toml'),
    `[source.crates-io]\nreplace-with = "mirror"\n[source.mirror]\nregistry = "sparse+${base}/mirror/"\n[registries.local]\nindex = "sparse+${base}/local/"\n`,
  );
});
afterAll(() => {
  Object.assign(process.env, inherited);
  server.close();
  rmSync(work, { recursive: true, force: true });
});

function crateA(itoa: string) {
  const text: Record<string, string> = {
    [join(work, 'a/Cargo.toml')]:
      `[package]\nname = "a"\nversion = "0.1.0"\n[dependencies]\nb = { path = "../b", version = "0.1" }\nitoa = "${itoa}"\n`,
  };
  const ws = loadCargoWorkspaces(Object.keys(text), {
    manifest: (f) => (text[f] === undefined ? undefined : parseCargoManifest(text[f], f)),
    subdirectories: () => [],
  })[0];
  return { crate: ws.members[0], workspace: ws };
}

const prepare = (itoa: string, replacesCratesIo: boolean) =>
  prepareCargoResolution({
    registry: 'local',
    replacesCratesIo,
    configDir: work,
    root: work,
    uploads: [crateA(itoa)],
    ourCrates: ['a', 'b'],
  });

describe('prepareCargoResolution', () => {
  it("a rehearsal: cargo is pointed at a running rehearsal index that has our `b` from the local registry and itoa from cargo's crates.io", async () => {
    const resolution = (await prepare('1', true)) as CargoResolution;
    try {
      expect(resolution.cargoArgs[1]).toBe('source.crates-io.replace-with="nx-polyglot-stand-in"');
      const url = /registry="sparse\+(.*)"$/.exec(resolution.cargoArgs[3])![1];
      expect(await (await fetch(new URL(indexPath('b'), url))).text()).toContain('"vers":"0.1.0"');
      expect(await (await fetch(new URL(indexPath('itoa'), url))).text()).toContain('"vers":"1.0.15"');
    } finally {
      await resolution.close();
    }
  });

  it('without a rehearsal cargo gets no arguments, and requirements are checked against its crates.io (the mirror)', async () => {
    const resolution = (await prepare('1', false)) as CargoResolution;
    expect(resolution.cargoArgs).toEqual([]);
    await resolution.close();
    expect(await prepare('2', false)).toContain('a (to be published) depends on itoa = "2"');
  });

  it('an unresolvable requirement is the report, naming the manifest, the key and the index', async () => {
    expect(await prepare('999', true)).toBe(
      'Nothing was published: 1 dependency would not resolve when cargo packages the crates:\n' +
        `  - a/Cargo.toml: \`dependencies.itoa\`: a (to be published) depends on itoa = "999": no version of itoa in source \`mirror\` (${join(work, '.cargo', 'config.toml')}) matches it; the newest is 1.0.15. Change the requirement to one source \`mirror\` (${join(work, '.cargo', 'config.toml')}) has (e.g. "1.0.15"), or publish a matching itoa there first.\n`,
    );
  });
});

describe('repositoryCrates', () => {
  it('is the crate name of every project the Cargo model made, and nothing of the others', () => {
    const node = (metadata: object) => ({ name: 'x', type: 'lib' as const, data: { root: 'x', metadata } });
    const graph = {
      nodes: { a: node({ cargo: { package: 'micromegas-tracing' } }), w: node({ python: { distribution: 'w' } }) },
      dependencies: {},
    };
    expect(repositoryCrates(graph)).toEqual(['micromegas-tracing']);
    expect(repositoryCrates(undefined)).toEqual([]);
  });
});
