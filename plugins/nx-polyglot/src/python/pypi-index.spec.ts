import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PypiIndex,
  canonicalVersion,
  fileVersion,
  htmlFilenames,
  isPublished,
  pythonRepository,
  sameVersion,
} from './pypi-index';
import { FAST_READ_POLICY as fast } from '../publish/__fixtures__/fast-read-policy';
import { RegistryError } from '../publish/registry-error';

const FILES = ['micromegas-0.12.0-py3-none-any.whl', 'micromegas-0.12.0.tar.gz', 'micromegas-0.11.0.tar.gz'];

function htmlPage(files: string[]): string {
  // what pypiserver serves: relative hrefs with a hash fragment, the file name as text
  const links = files.map((f) => `    <a href="../../packages/${f}#sha256=0123abcd">${f}</a><br>`).join('\n');
  return `<!DOCTYPE html>\n<html>\n  <head><title>Links for micromegas</title></head>\n  <body>\n    <h1>Links for micromegas</h1>\n${links}\n  </body>\n</html>\n`;
}

function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

describe('PypiIndex against a real HTTP server', () => {
  let server: Server;
  let base: string;
  const requests: Array<{ url: string; accept: string }> = [];
  let lateCalls = 0;
  let recoveringCalls = 0;

  beforeAll(async () => {
    ({ server, url: base } = await listen((req, res) => {
      const url = req.url ?? '';
      const accept = String(req.headers.accept ?? '');
      requests.push({ url, accept });
      if (url === '/json/simple/micromegas/' || url === '/simple/micromegas/') {
        if (accept.includes('application/vnd.pypi.simple.v1+json')) {
          res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' });
          res.end(
            JSON.stringify({
              meta: { 'api-version': '1.1' },
              name: 'micromegas',
              files: FILES.map((filename) => ({ filename, url: `../../packages/${filename}`, hashes: {} })),
            }),
          );
        } else {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end(htmlPage(FILES));
        }
      } else if (url === '/html/simple/micromegas/') {
        // pypiserver ignores Accept and always answers HTML
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(htmlPage(FILES));
      } else if (url === '/html/simple/legacy-names/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(htmlPage(['legacy-names-1.0.tar.gz', 'legacy_names-2.0-py3-none-any.whl']));
      } else if (url === '/simple/moved/') {
        res.writeHead(301, { location: '/simple/micromegas/' });
        res.end();
      } else if (url === '/simple/elsewhere/') {
        // pypiserver's fallback for a project it does not hold
        res.writeHead(303, { location: 'https://pypi.invalid/simple/elsewhere/' });
        res.end();
      } else if (url === '/simple/broken/') {
        res.writeHead(503, 'Service Unavailable');
        res.end();
      } else if (url === '/simple/recovering/') {
        recoveringCalls++;
        if (recoveringCalls <= 2) res.writeHead(503, 'Service Unavailable').end();
        else res.writeHead(200, { 'content-type': 'text/html' }).end(htmlPage(['recovering-0.12.0.tar.gz']));
      } else if (url === '/simple/late/') {
        lateCalls++;
        res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' });
        const files =
          lateCalls >= 3
            ? ['late-1.0.tar.gz', 'late-1.0-py3-none-any.whl']
            : lateCalls === 2
              ? ['late-1.0.tar.gz']
              : [];
        res.end(
          JSON.stringify({
            meta: { 'api-version': '1.0' },
            name: 'late',
            files: files.map((filename) => ({ filename, url: filename, hashes: {} })),
          }),
        );
      } else if (url === '/slow/simple/micromegas/') {
        // never answers
      } else {
        res.writeHead(404);
        res.end('Not Found');
      }
    }));
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('reads a PEP 691 JSON page, asking for JSON first, under the normalized name', async () => {
    requests.length = 0;
    const index = new PypiIndex(`${base}/json/simple`);
    expect(await index.files('MicroMegas')).toEqual(FILES);
    expect(requests[0].url).toBe('/json/simple/micromegas/');
    expect(requests[0].accept.split(',')[0]).toBe('application/vnd.pypi.simple.v1+json');
    expect(requests[0].accept).toContain('text/html');
  });

  it('reads a PEP 503 HTML page (pypiserver)', async () => {
    const index = new PypiIndex(`${base}/html/simple/`);
    expect(await index.files('micromegas')).toEqual(FILES);
    expect(await index.versionFiles('micromegas', '0.12.0')).toEqual(FILES.slice(0, 2));
  });

  it('answers whether that exact version is published, PEP 440 spellings included', async () => {
    expect(await isPublished(`${base}/simple/`, 'micromegas', '0.12.0')).toBe(true);
    expect(await isPublished(`${base}/html/simple/`, 'micromegas', '0.12')).toBe(true);
    expect(await isPublished(`${base}/simple/`, 'Micromegas', 'v0.11.0')).toBe(true);
    expect(await isPublished(`${base}/simple/`, 'micromegas', '0.12.1')).toBe(false);
    expect(await isPublished(`${base}/simple/`, 'micromegas', '0.1.2')).toBe(false);
  });

  it('finds the version in legacy sdist names that keep the hyphens', async () => {
    const index = new PypiIndex(`${base}/html/simple/`);
    expect(await index.isPublished('legacy_names', '1.0')).toBe(true);
    expect(await index.isPublished('legacy-names', '2.0')).toBe(true);
  });

  it('treats 404 as not published', async () => {
    expect(await isPublished(`${base}/simple/`, 'missing', '1.0.0')).toBe(false);
  });

  it('follows a redirect within the index', async () => {
    expect(await isPublished(`${base}/simple/`, 'moved', '0.12.0')).toBe(false);
    expect(await new PypiIndex(`${base}/simple/`).files('moved')).toEqual(FILES);
  });

  it("does not count what another index has (pypiserver's fallback redirect)", async () => {
    expect(await new PypiIndex(`${base}/simple/`).files('elsewhere')).toEqual([]);
  });

  it('asks again after a 503 and reads the page that follows', async () => {
    const index = new PypiIndex(`${base}/simple/`, { repository: 'local', variables: [] }, fast);
    expect(await index.isPublished('recovering', '0.12.0')).toBe(true);
    expect(recoveringCalls).toBe(3);
  });

  it('throws on 5xx that does not stop, naming the repository, the URL, the tries and the variables to fix', async () => {
    const index = new PypiIndex(
      `${base}/simple/`,
      { repository: 'local', variables: ['POETRY_REPOSITORIES_LOCAL_URL'] },
      fast,
    );
    const e = await index.files('broken').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(RegistryError);
    expect(e).toMatchObject({ registry: 'local', boundHit: true });
    expect((e as Error).message).toMatch(
      new RegExp(
        `^The Python repository \`local\` is not usable at ${base}/simple/broken/ \\(it answered 503 Service Unavailable\\)\\. Start it, or fix POETRY_REPOSITORIES_LOCAL_URL\\. It was asked 3 times in \\d+ s\\.$`,
      ),
    );
  });

  it('throws when the connection is refused', async () => {
    const { server: closed, url } = await listen(() => {});
    await new Promise((resolve) => closed.close(resolve));
    const index = new PypiIndex(
      `${url}/simple/`,
      { repository: 'local', variables: ['POETRY_REPOSITORIES_LOCAL_URL'] },
      { ...fast, attempts: 1 },
    );
    await expect(index.isPublished('micromegas', '0.12.0')).rejects.toThrow(
      `The Python repository \`local\` is not usable at ${url}/simple/micromegas/ (ECONNREFUSED). Start it, or fix POETRY_REPOSITORIES_LOCAL_URL`,
    );
  });

  it('gives up on an index that does not answer', async () => {
    const index = new PypiIndex(
      `${base}/slow/simple/`,
      { repository: 'local', variables: [] },
      { ...fast, timeoutMs: 300 },
    );
    await expect(index.files('micromegas')).rejects.toThrow(
      /not usable at .*\/slow\/simple\/micromegas\/ \(no answer within 0\.3 s\)\. Start it, or fix its URL\. It was asked 3 times in \d+ s\./,
    );
  });

  it('polls until every uploaded file is listed', async () => {
    lateCalls = 0;
    const index = new PypiIndex(`${base}/simple/`);
    const before = Date.now();
    const visibleAt = await index.waitUntilVisible(
      'late',
      '1.0',
      5_000,
      ['late-1.0.tar.gz', 'late-1.0-py3-none-any.whl'],
      20,
    );
    expect(lateCalls).toBe(3);
    expect(visibleAt).toBeGreaterThanOrEqual(before);
  });

  it('fails when the upload does not show up in time', async () => {
    const index = new PypiIndex(`${base}/simple/`, { repository: 'local', variables: [] });
    await expect(index.waitUntilVisible('missing', '1.0', 50, [], 10)).rejects.toThrow(
      /missing 1\.0 was uploaded to `local` but .* does not list it after 0 s/,
    );
  });
});

describe('fileVersion', () => {
  it.each([
    ['micromegas-0.12.0-py3-none-any.whl', 'micromegas', '0.12.0'],
    ['micromegas-0.12.0.tar.gz', 'micromegas', '0.12.0'],
    ['Micromegas-0.12.0.zip', 'micromegas', '0.12.0'],
    // wheel: escaped name, optional build tag, platform tags
    ['micromegas_derive_transit-0.12.0-py3-none-any.whl', 'micromegas-derive-transit', '0.12.0'],
    ['pkg-1.0-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'pkg', '1.0'],
    // sdist: PEP 625 underscores, and legacy hyphens
    ['micromegas_derive_transit-0.12.0.tar.gz', 'micromegas-derive-transit', '0.12.0'],
    ['micromegas-derive-transit-0.12.0.tar.gz', 'Micromegas.Derive_Transit', '0.12.0'],
    ['foo-1.0-1.tar.gz', 'foo', '1.0-1'],
    ['foo-1.0rc1.tar.bz2', 'foo', '1.0rc1'],
    ['foo-2.0.tgz', 'foo', '2.0'],
    ['foo-1.0-py3.11.egg', 'foo', '1.0'],
    ['../../packages/foo-1.0.tar.gz', 'foo', '1.0'],
  ])('%s is %s %s', (file, project, version) => {
    expect(fileVersion(file, project)).toBe(version);
  });

  it.each([
    // another project whose name starts with this one's
    ['micromegas-derive-0.12.0.tar.gz', 'micromegas'],
    ['micromegas_derive-0.12.0-py3-none-any.whl', 'micromegas'],
    ['micromegas-0.12.0.tar.gz', 'micromegas-derive'],
    // not a distribution file, or a malformed wheel
    ['micromegas-0.12.0.tar.gz.asc', 'micromegas'],
    ['micromegas-0.12.0.whl.metadata', 'micromegas'],
    ['micromegas-0.12.0-py3.whl', 'micromegas'],
    ['micromegas.tar.gz', 'micromegas'],
  ])('%s is not a file of %s', (file, project) => {
    expect(fileVersion(file, project)).toBeUndefined();
  });
});

describe('canonicalVersion (PEP 440)', () => {
  it.each([
    ['0.12.0', '0.12'],
    ['0.12', '0.12'],
    ['v0.12.00', '0.12'],
    ['1.0.0', '1'],
    ['0!1.0', '1'],
    ['1!2.0', '1!2'],
    ['1.0-RC1', '1rc1'],
    ['1.0c1', '1rc1'],
    ['1.0.alpha.2', '1a2'],
    ['1.0b', '1b0'],
    ['1.0-1', '1.post1'],
    ['1.0.post1', '1.post1'],
    ['1.0-r2', '1.post2'],
    ['1.0post', '1.post0'],
    ['1.0.dev3', '1.dev3'],
    ['1.0rc1.post2.dev3', '1rc1.post2.dev3'],
    ['1.0+Ubuntu-01', '1+ubuntu.1'],
    [' 2.10.1 ', '2.10.1'],
    ['not a version', 'not a version'],
  ])('%s -> %s', (version, canonical) => {
    expect(canonicalVersion(version)).toBe(canonical);
  });

  it('tells different releases apart', () => {
    expect(sameVersion('0.12.0', '0.12')).toBe(true);
    expect(sameVersion('0.12.0', '0.1.20')).toBe(false);
    expect(sameVersion('1.0', '1.0.post0')).toBe(false);
    expect(sameVersion('1.0rc1', '1.0')).toBe(false);
    expect(sameVersion('1.0+local', '1.0')).toBe(false);
  });
});

describe('htmlFilenames', () => {
  it('reads anchor texts, else the href, with entities decoded', () => {
    const html = `<a href="/p/a-1.0.tar.gz#sha256=x" data-requires-python="&gt;=3.8">a-1.0.tar.gz</a>
      <A HREF='/p/a-1.0-py3-none-any.whl?x=1'></A>
      <a href="/p/a%2Bb-1.0.tar.gz"></a>`;
    expect(htmlFilenames(html)).toEqual(['a-1.0.tar.gz', 'a-1.0-py3-none-any.whl', 'a+b-1.0.tar.gz']);
  });
});

describe('pythonRepository', () => {
  it('derives the simple index from a pypiserver root URL', () => {
    expect(pythonRepository('local', { POETRY_REPOSITORIES_LOCAL_URL: 'http://127.0.0.1:8080' })).toEqual({
      name: 'local',
      uploadUrl: 'http://127.0.0.1:8080',
      simpleUrl: 'http://127.0.0.1:8080/simple/',
      urlVariable: 'POETRY_REPOSITORIES_LOCAL_URL',
      simpleVariable: 'NX_POLYGLOT_PYPI_LOCAL_SIMPLE',
    });
  });

  it('derives .../simple/ from .../legacy/ (TestPyPI)', () => {
    expect(
      pythonRepository('test-pypi', { POETRY_REPOSITORIES_TEST_PYPI_URL: 'https://test.pypi.org/legacy/' }).simpleUrl,
    ).toBe('https://test.pypi.org/simple/');
    expect(pythonRepository('x', { POETRY_REPOSITORIES_X_URL: 'https://example.org/repo/legacy' }).simpleUrl).toBe(
      'https://example.org/repo/simple/',
    );
  });

  it('takes the simple index from NX_POLYGLOT_PYPI_<NAME>_SIMPLE when set', () => {
    const env = {
      POETRY_REPOSITORIES_MY_REPO_URL: 'https://upload.example.org/',
      NX_POLYGLOT_PYPI_MY_REPO_SIMPLE: 'https://index.example.org/simple',
    };
    expect(pythonRepository('my.repo', env).simpleUrl).toBe('https://index.example.org/simple/');
  });

  it('knows PyPI', () => {
    expect(pythonRepository('pypi', {})).toMatchObject({
      uploadUrl: 'https://upload.pypi.org/legacy/',
      simpleUrl: 'https://pypi.org/simple/',
    });
  });

  it('names the variable to set when the URL is missing', () => {
    expect(() => pythonRepository('local', {})).toThrow(
      'The upload URL of the Python repository `local` is not set. Set POETRY_REPOSITORIES_LOCAL_URL',
    );
  });
});
