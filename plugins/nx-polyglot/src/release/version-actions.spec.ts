import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import PolyglotVersionActions from './version-actions';

/** A real HTTP server on loopback serving a sparse index file and a PEP 503 page. */
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/crates/mi/cr/micromegas-transit') {
      res.end(
        ['0.11.0', '0.12.0', '0.13.0']
          .map((v) => JSON.stringify({ name: 'micromegas-transit', vers: v, yanked: v === '0.13.0', cksum: 'x' }))
          .join('\n'),
      );
    } else if (req.url === '/simple/micromegas/') {
      res.setHeader('content-type', 'text/html');
      res.end(
        ['micromegas-0.11.0.tar.gz', 'micromegas-0.12.0-py3-none-any.whl', 'micromegas-0.12.0.tar.gz']
          .map((f) => `<a href="/packages/${f}">${f}</a>`)
          .join('\n'),
      );
    } else if (req.url === '/simple/prerelease/') {
      // semver reads none of these; PEP 440 orders them 0.12 < 0.12.0.post1 < 0.13.0rc1 < 0.13
      res.setHeader('content-type', 'text/html');
      res.end(
        [
          'prerelease-0.12.tar.gz',
          'prerelease-0.13.0rc1.tar.gz',
          'prerelease-0.12.0.post1.tar.gz',
          'prerelease-0.13.tar.gz',
        ]
          .map((f) => `<a href="/packages/${f}">${f}</a>`)
          .join('\n'),
      );
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.CARGO_REGISTRIES_LOCAL_INDEX = `sparse+${base}/crates/`;
  process.env.POETRY_REPOSITORIES_LOCAL_URL = `${base}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** VersionActions for one project node, as Nx release builds it. */
function actionsFor(metadata: Record<string, unknown>, publishOptions: Record<string, string>) {
  const node = {
    name: 'p',
    type: 'lib',
    data: { root: 'x', metadata, targets: { publish: { options: publishOptions } } },
  };
  const config = { manifestRootsToUpdate: [], preserveLocalDependencyProtocols: false } as never;
  return new PolyglotVersionActions({ name: '__default__' } as never, node as never, config);
}

describe('PolyglotVersionActions.readCurrentVersionFromRegistry', () => {
  it('reads the newest non-yanked version of a crate from the sparse index', async () => {
    const actions = actionsFor({ cargo: { package: 'micromegas-transit' } }, { registry: 'local' });
    expect(actions.validManifestFilenames).toEqual(['Cargo.toml']);
    expect(await actions.readCurrentVersionFromRegistry({} as never, undefined)).toEqual({
      currentVersion: '0.12.0',
      logText: 'the sparse index of `local`',
    });
  });

  it("reads the newest version of a Python package from the repository's simple index", async () => {
    const actions = actionsFor({ python: { distribution: 'micromegas' } }, { repository: 'local' });
    expect(actions.validManifestFilenames).toEqual(['pyproject.toml']);
    expect(await actions.readCurrentVersionFromRegistry({} as never, undefined)).toEqual({
      currentVersion: '0.12.0',
      logText: 'the simple index of `local`',
    });
  });

  it('orders Python versions by PEP 440 (release candidates, two-part and post releases) and tells Nx the newest in semver', async () => {
    const actions = actionsFor({ python: { distribution: 'prerelease' } }, { repository: 'local' });
    expect((await actions.readCurrentVersionFromRegistry({} as never, undefined))?.currentVersion).toBe('0.13.0');
  });

  it('has nothing to say for a project with no registry', async () => {
    expect(await actionsFor({}, {}).readCurrentVersionFromRegistry({} as never, undefined)).toBeNull();
  });
});
