import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A loopback HTTP proxy in front of one local registry, so a test decides
 * exactly when the registry fails as its clients see it: down (connections
 * refused) right after a given response was delivered, answering 5xx for a
 * while, or holding a request while the test kills the process that sent it.
 * Kellnr writes its own address into its index's config.json (the API and
 * download URLs cargo uses), so that address is rewritten to the proxy's:
 * uploads go through it too. Bodies are buffered (registries' packages here
 * are small) and never logged: they carry tokens in their headers.
 */
export interface ProxiedRequest {
  method: string;
  path: string;
}

/** A request that sent a body (an upload, a preflight probe) and how the registry answered it. */
export interface ProxiedWrite extends ProxiedRequest {
  body: Buffer;
  status: number;
}

export interface ProxiedResponse extends ProxiedRequest {
  status: number;
  body: string;
}

export interface RegistryProxy {
  /** http://127.0.0.1:<port>/ */
  readonly origin: string;
  readonly port: number;
  /** Requests seen since the proxy started, in order. */
  readonly seen: ProxiedRequest[];
  /** Requests with a body that reached the registry, with its answer. */
  readonly writes: ProxiedWrite[];
  /** Called with every response before it is delivered; `down` makes it the last one the registry gives. */
  onResponse?: (r: ProxiedResponse & { requestBody: Buffer }) => 'down' | void;
  /** Called when a request arrives (before it is forwarded); it may hold it: the request waits for the promise. */
  onRequest?: (r: ProxiedRequest & { body: Buffer }) => Promise<'forward' | 'drop'> | 'forward' | 'drop' | void;
  /** While set, every request (or each that `failOnly` picks) is answered with this status, without asking the registry. */
  failWith?: number;
  /** Which requests `failWith` answers (default: all): e.g. reads only, as an index CDN fails. */
  failOnly?: (r: ProxiedRequest) => boolean;
  /** When set, `failWith` answers this many requests more, then the registry answers again (a 503 that recovers). */
  failCount?: number;
  /** Requests answered with `failWith` since the proxy started. */
  failed: number;
  /** Resolves once no request is waiting for the registry (a SIGCONTed registry has answered what it held). */
  settled(): Promise<void>;
  /** Refuses every connection from now on (and ends the open ones). */
  down(): Promise<void>;
  /** Accepts connections again, on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer'];

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Starts a proxy to `upstream` (http://127.0.0.1:<port>) on a free loopback port (or `port`). */
export async function startRegistryProxy(upstream: string, port = 0): Promise<RegistryProxy> {
  const target = new URL(upstream);
  const upstreamOrigin = `${target.protocol}//${target.host}`;
  const sockets = new Set<Socket>();
  let pending = 0;
  const idle: Array<() => void> = [];
  let server: Server | undefined;
  let origin = '';

  const answer = (res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer) => {
    res.writeHead(status, { ...headers, 'content-length': String(body.length) });
    return new Promise<void>((resolve) => res.end(body, () => resolve()));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const seen: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/' };
    proxy.seen.push(seen);
    const body = await readBody(req);
    if (proxy.failWith && (proxy.failOnly?.(seen) ?? true)) {
      const status = proxy.failWith;
      if (proxy.failCount !== undefined && --proxy.failCount <= 0) {
        proxy.failWith = undefined;
        proxy.failCount = undefined;
      }
      proxy.failed++;
      await answer(res, status, { 'content-type': 'text/plain' }, Buffer.from(`stand-in failure ${status}\n`));
      return;
    }
    if ((await proxy.onRequest?.({ ...seen, body })) === 'drop') {
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_BY_HOP.includes(key) || key === 'accept-encoding' || key === 'host') continue;
      headers[key] = value;
    }
    headers.host = target.host;
    headers['content-length'] = String(body.length);
    // a stopped registry holds this forever; the client's own timeout gives up on it, the proxy does not,
    // so a SIGCONTed registry still gets (and may store) what it held, as it would without the proxy
    pending++;
    const upstream = await new Promise<{ response: IncomingMessage; raw: Buffer } | undefined>((resolve) => {
      const out = request(
        { host: target.hostname, port: target.port, method: seen.method, path: seen.path, headers },
        (response) => {
          readBody(response).then(
            (raw) => resolve({ response, raw }),
            () => resolve(undefined),
          );
        },
      );
      out.on('error', () => resolve(undefined));
      out.end(body);
    });
    const status = upstream?.response.statusCode ?? 502;
    if (upstream && body.length > 0) proxy.writes.push({ ...seen, body, status });
    pending--;
    if (pending === 0) for (const wake of idle.splice(0)) wake();
    // the registry itself is down: its clients see the connection end, as with a dead server
    if (!upstream) {
      req.socket.destroy();
      return;
    }
    const upstreamResponse = upstream.response;
    let text = upstream.raw.toString('latin1');
    const type = String(upstreamResponse.headers['content-type'] ?? '');
    if (/json|text|html/.test(type) || seen.path.endsWith('config.json'))
      text = text.split(upstreamOrigin).join(origin.replace(/\/$/, ''));
    const responseHeaders: Record<string, string> = {};
    for (const [key, value] of Object.entries(upstreamResponse.headers)) {
      if (value === undefined || HOP_BY_HOP.includes(key) || key === 'content-length') continue;
      responseHeaders[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    if (proxy.onResponse?.({ ...seen, status, body: text, requestBody: body }) === 'down') {
      // no new connection from now on, the others end; this answer is the last one
      const closing = stop(req.socket);
      await answer(res, status, { ...responseHeaders, connection: 'close' }, Buffer.from(text, 'latin1'));
      req.socket.destroy();
      await closing;
      return;
    }
    await answer(res, status, responseHeaders, Buffer.from(text, 'latin1'));
  };

  const stop = (keep?: Socket) => {
    const s = server;
    server = undefined;
    for (const socket of sockets) if (socket !== keep) socket.destroy();
    return new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
  };

  const listen = (on: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createServer((req, res) => {
        handle(req, res).catch(() => req.socket.destroy());
      });
      s.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      s.once('error', reject);
      s.listen(on, '127.0.0.1', () => {
        server = s;
        resolve((s.address() as { port: number }).port);
      });
    });

  const actual = await listen(port);
  origin = `http://127.0.0.1:${actual}/`;
  const proxy: RegistryProxy = {
    origin,
    port: actual,
    seen: [],
    writes: [],
    failed: 0,
    settled: () => (pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve))),
    down: () => stop(),
    up: async () => {
      if (!server) await listen(actual);
    },
    close: () => stop(),
  };
  return proxy;
}

/** The registries' URLs with every registry's address replaced by its proxy's. */
export function throughProxies(
  urls: Record<string, string>,
  proxies: { crates?: RegistryProxy; pypi?: RegistryProxy; npm?: RegistryProxy },
): Record<string, string> {
  const swap = (url: string, proxy?: RegistryProxy) =>
    proxy ? url.replace(/http:\/\/127\.0\.0\.1:\d+\//, proxy.origin) : url;
  return {
    ...urls,
    CARGO_REGISTRIES_LOCAL_INDEX: swap(urls.CARGO_REGISTRIES_LOCAL_INDEX, proxies.crates),
    POETRY_REPOSITORIES_LOCAL_URL: swap(urls.POETRY_REPOSITORIES_LOCAL_URL, proxies.pypi),
    LOCAL_PYPI_SIMPLE_URL: swap(urls.LOCAL_PYPI_SIMPLE_URL, proxies.pypi),
    NPM_CONFIG_REGISTRY: swap(urls.NPM_CONFIG_REGISTRY, proxies.npm),
  };
}

/** The registry origin (http://127.0.0.1:<port>) a registry URL of registries.env points at. */
export function originOf(url: string): string {
  return new URL(url.replace(/^sparse\+/, '')).origin;
}
