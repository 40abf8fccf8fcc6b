import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManifestError } from '../manifest-error';
import { cratesIoIndex, registrySettings } from './cargo-config';
import { IndexFile, IndexSource, downloadUrl, parseIndexFile } from './index-source';
import { IndexEntry, RegistryError, indexPath } from './sparse-index';

/**
 * The index cargo uses in place of crates.io during a local rehearsal of a
 * crates.io release. Once uploaded, a workspace's path + version
 * dependencies are crates.io dependencies, so cargo's verification must find
 * the crates of this repository in the local registry — never their public
 * namesakes (`micromegas-tracing` is on crates.io) — and every other crate
 * where a real release finds it, on crates.io. Replacing crates.io with the
 * local registry alone leaves the third-party crates unresolvable (`no
 * matching package named 'arrow-flight'`); this loopback server answers for
 * each crate from the right one of the two indexes.
 */

export interface RehearsalSources {
  /** The registry the rehearsal publishes to. */
  local: IndexSource;
  /** Where crates.io's crates come from: crates.io, or the mirror cargo's config names. */
  upstream: IndexSource;
}

/** Which index answers for `crate`: the local registry for the repository's own crates, crates.io for the rest. */
export function routeOf(crate: string, ours: ReadonlySet<string>): keyof RehearsalSources {
  return ours.has(crateKey(crate)) ? 'local' : 'upstream';
}

/**
 * crates.io holds one crate per name up to case and `-`/`_`, so a public
 * `foo_bar` is the namesake of our `foo-bar` and must not stand in for it.
 */
export function crateKey(crate: string): string {
  return crate.toLowerCase().replace(/_/g, '-');
}

/** The two indexes of a rehearsal for `registry`, found where cargo finds them (run from `configDir`). */
export function rehearsalSources(
  registry: string,
  configDir: string,
  env: NodeJS.ProcessEnv = process.env,
): RehearsalSources | ManifestError | RegistryError {
  const local = registrySettings(registry, configDir, env);
  if (!local.index?.startsWith('sparse+'))
    return new RegistryError(`${local.source} must be a sparse index URL starting with sparse+ (got ${local.index})`);
  const upstream = cratesIoIndex(configDir, env);
  if (upstream instanceof ManifestError) return upstream;
  return {
    local: new IndexSource(`the Cargo registry \`${registry}\``, local.index, local.token),
    upstream: new IndexSource(upstream.source, upstream.index),
  };
}

export interface RehearsalIndex {
  /** The server's index URL, `http://127.0.0.1:<port>/` (cargo wants it as `sparse+<url>`). */
  url: string;
  /** What cargo will see of `crate` through this index. */
  versions(crate: string): Promise<IndexEntry[]>;
  close(): Promise<void>;
}

/**
 * Starts the rehearsal index on 127.0.0.1. `port` (default 0: any free one)
 * is tried first: cargo keeps its index and download caches per index URL, so
 * a port that stays the same across runs lets a rerun reuse the third-party
 * crates it downloaded; when that port is taken, any free one serves.
 */
export async function startRehearsalIndex(
  sources: RehearsalSources,
  ourCrates: Iterable<string>,
  port = 0,
): Promise<RehearsalIndex> {
  const ours = new Set([...ourCrates].map(crateKey));
  // third-party index files do not change in a way that matters within one
  // run, and every `cargo publish` of the run asks for them again; the local
  // registry's files do (each upload), so they are always asked afresh
  const upstreamFiles = new Map<string, Promise<IndexFile>>();
  const file = (crate: string): Promise<IndexFile> => {
    const path = indexPath(crate);
    if (routeOf(crate, ours) === 'local') return sources.local.file(path);
    let cached = upstreamFiles.get(path);
    if (!cached) {
      cached = sources.upstream.file(path);
      upstreamFiles.set(path, cached);
      // a failure is not remembered: cargo's retry asks again
      cached.then(
        (f) => (f.status === 200 || f.status === 404 ? undefined : upstreamFiles.delete(path)),
        () => upstreamFiles.delete(path),
      );
    }
    return cached;
  };

  const server = createServer((request, response) => {
    answer(request, response, sources, ours, file, origin).catch((e: unknown) => {
      const message = e instanceof RegistryError ? e.message : `the rehearsal index failed: ${String(e)}`;
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`${message}\n`);
    });
  });
  await listen(server, port).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EADDRINUSE' || port === 0) throw e;
    return listen(server, 0);
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/`,
    async versions(crate) {
      const f = await file(crate);
      if (f.status === 404 || f.status === 410) return [];
      if (f.status !== 200) {
        const source = sources[routeOf(crate, ours)];
        throw new RegistryError(`${source.label} answered ${f.status} for ${source.url}${indexPath(crate)}`);
      }
      return parseIndexFile(f.body);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  sources: RehearsalSources,
  ours: ReadonlySet<string>,
  file: (crate: string) => Promise<IndexFile>,
  origin: string,
): Promise<void> {
  const path = new URL(request.url ?? '/', origin).pathname.slice(1);
  const text = (status: number, body: string, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'text/plain', ...headers });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
  if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'read-only index\n');
  if (path === 'config.json') {
    // the checksum in our own template, so a source whose template wants it needs no index lookup
    const dl = `${origin}/dl/{crate}/{version}/{sha256-checksum}`;
    return text(200, JSON.stringify({ dl }), { 'content-type': 'application/json' });
  }
  const download = /^dl\/([^/]+)\/([^/]+)\/([0-9a-f]*)$/.exec(path);
  if (download) {
    const [, crate, version, checksum] = download.map(decodeURIComponent);
    const source = sources[routeOf(crate, ours)];
    const url = downloadUrl(await source.downloadTemplate(), crate, version, checksum);
    if (!source.token) return text(302, '', { location: url });
    // the token stays here: cargo has none for this index, and the registry may want one for downloads
    const upstream = await source.download(url);
    response.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
    });
    response.end(upstream.body);
    return;
  }
  const crate = path.split('/').pop() ?? '';
  if (crate === '' || indexPath(crate) !== path) return text(404, `not an index file: /${path}\n`);
  const f = await file(crate);
  if (f.status === 200) return text(200, f.body);
  if (f.status === 404 || f.status === 410)
    return text(404, `${crate} is not in ${sources[routeOf(crate, ours)].label}\n`);
  const source = sources[routeOf(crate, ours)];
  return text(f.status === 429 ? 429 : 502, `${source.label} answered ${f.status} for ${source.url}${path}\n`);
}

/** A port for the rehearsal of `key` (the local index URL) that stays the same from run to run: 20000–29999. */
export function steadyPort(key: string): number {
  let hash = 0;
  for (const c of key) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return 20_000 + (hash % 10_000);
}
