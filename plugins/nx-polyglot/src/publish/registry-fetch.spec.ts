import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_READ_POLICY,
  ReadFailure,
  ReadPolicy,
  backoffMs,
  readPolicy,
  readRegistry,
  retryAfterMs,
} from './registry-fetch';

/**
 * A real HTTP server on loopback whose paths fail the way registries do:
 * each path's handler is told which request it is (1, 2, ...), so a path can
 * answer 503 twice and then 200, stall, or reset the connection.
 */
type Handler = (n: number, req: IncomingMessage, res: ServerResponse) => void;
const handlers: Record<string, Handler> = {};
const hits: Record<string, number> = {};
const sockets = new Set<Socket>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits[path] = (hits[path] ?? 0) + 1;
    const handler = handlers[path];
    if (handler) handler(hits[path], req, res);
    else res.writeHead(404).end('not found');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  for (const k of Object.keys(hits)) delete hits[k];
});

// short bounds so the cases run in a second; the jitter pinned to its top
const fast: ReadPolicy = {
  attempts: 4,
  timeoutMs: 300,
  backoffMs: 10,
  maxBackoffMs: 40,
  budgetMs: 5_000,
  maxRetryAfterMs: 2_000,
  random: () => 0.999,
};

const failure = async (p: Promise<unknown>): Promise<ReadFailure> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ReadFailure);
  return e as ReadFailure;
};

describe('readRegistry', () => {
  it('asks again after 503 twice and returns the 200 that follows', async () => {
    handlers['/flaky'] = (n, _req, res) =>
      n <= 2 ? res.writeHead(503, 'Service Unavailable').end() : res.writeHead(200).end('ok');
    const answer = await readRegistry(`${base}/flaky`, {}, fast);
    expect([answer.status, answer.body]).toEqual([200, 'ok']);
    expect(hits['/flaky']).toBe(3);
  });

  it('gives up on a 503 that never stops after its tries, saying the last status', async () => {
    handlers['/down'] = (_n, _req, res) => res.writeHead(503, 'Service Unavailable').end();
    const e = await failure(readRegistry(`${base}/down`, {}, fast));
    expect(hits['/down']).toBe(4);
    expect([e.last, e.lastStatus, e.attempts]).toEqual(['503 Service Unavailable', 503, 4]);
    expect(e.asked('the index file of x')).toMatch(/^ It was asked for the index file of x 4 times in \d+ s\.$/);
  });

  it('says how the last try ended without the token a registry echoed in its status text', async () => {
    const token = 'canary-registry-fetch-token';
    process.env.CARGO_REGISTRIES_ECHO_TOKEN = token;
    try {
      handlers['/echo'] = (_n, req, res) => res.writeHead(503, `Unavailable ${req.headers.authorization}`).end();
      const e = await failure(readRegistry(`${base}/echo`, { headers: { authorization: token } }, fast));
      expect(e.last).toBe('503 Unavailable ***');
      expect(e.message).not.toContain(token);
    } finally {
      delete process.env.CARGO_REGISTRIES_ECHO_TOKEN;
    }
  });

  it('does not ask again for an answer that is not transient (404, 401)', async () => {
    handlers['/denied'] = (_n, _req, res) => res.writeHead(401).end();
    expect((await readRegistry(`${base}/nothing`, {}, fast)).status).toBe(404);
    expect((await readRegistry(`${base}/denied`, {}, fast)).status).toBe(401);
    expect([hits['/nothing'], hits['/denied']]).toEqual([1, 1]);
  });

  it('times out a registry that does not answer, and asks again: a stall that ends is ridden out', async () => {
    // the first request is never answered (a SIGSTOPped registry), the second is
    handlers['/stall-once'] = (n, _req, res) => {
      if (n > 1) res.writeHead(200).end('late but there');
    };
    const answer = await readRegistry(`${base}/stall-once`, {}, fast);
    expect(answer.body).toBe('late but there');
    expect(hits['/stall-once']).toBe(2);
  });

  it('gives up on a registry that never answers, within its bounds', async () => {
    handlers['/stalled'] = () => {};
    const e = await failure(readRegistry(`${base}/stalled`, {}, fast));
    expect([e.last, e.attempts, e.lastStatus]).toEqual(['no answer within 0.3 s', 4, undefined]);
  });

  it('times out a body that stops half-way', async () => {
    handlers['/half'] = (n, _req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      if (n === 1) res.write('partial');
      else res.end('x'.repeat(100));
    };
    expect((await readRegistry(`${base}/half`, {}, fast)).body).toBe('x'.repeat(100));
    expect(hits['/half']).toBe(2);
  });

  it('asks again after a connection reset', async () => {
    handlers['/reset'] = (n, req, res) => (n === 1 ? req.socket.destroy() : res.writeHead(200).end('ok'));
    expect((await readRegistry(`${base}/reset`, {}, fast)).body).toBe('ok');
    expect(hits['/reset']).toBe(2);
  });

  it('asks again when the connection is refused, then says so', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const e = await failure(readRegistry(`http://127.0.0.1:${port}/x`, {}, fast));
    expect([e.last, e.attempts]).toEqual(['ECONNREFUSED', 4]);
  });

  it("waits as a 429's Retry-After says, and refuses a wait beyond its cap", async () => {
    handlers['/limited'] = (n, _req, res) =>
      n === 1 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.writeHead(200).end('ok');
    const before = Date.now();
    expect((await readRegistry(`${base}/limited`, {}, fast)).body).toBe('ok');
    // the registry's wait, not the 10 ms backoff: a lower bound, never an upper one
    expect(Date.now() - before).toBeGreaterThanOrEqual(990);

    handlers['/much-later'] = (_n, _req, res) => res.writeHead(429, { 'retry-after': '3600' }).end();
    const e = await failure(readRegistry(`${base}/much-later`, {}, fast));
    expect(e.last).toBe('429 Too Many Requests, asking to wait 3600 s');
    expect(hits['/much-later']).toBe(1);
  });

  it('starts no try after its budget', async () => {
    handlers['/slow-down'] = (_n, _req, res) => res.writeHead(502, 'Bad Gateway').end();
    const e = await failure(
      readRegistry(
        `${base}/slow-down`,
        {},
        { ...fast, attempts: 100, backoffMs: 1000, maxBackoffMs: 1000, budgetMs: 1900 },
      ),
    );
    // waits of 1 s: tries at 0 and 1 s; the next would start past 1.9 s
    expect(e.attempts).toBe(2);
    expect(e.last).toBe('502 Bad Gateway');
  });

  it('does not ask again for a name that does not resolve', async () => {
    const e = await failure(readRegistry('http://registry.invalid/x', {}, fast));
    expect(e.attempts).toBe(1);
  });
});

describe('the read policy', () => {
  it('backs off exponentially, capped, jittered into the upper half', () => {
    const p = { ...DEFAULT_READ_POLICY, random: () => 0 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, p))).toEqual([500, 1000, 2000, 4000, 4000]);
    expect(backoffMs(4, { ...p, random: () => 0.999 })).toBeLessThanOrEqual(8000);
  });

  it('reads Retry-After as seconds or as a date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect([retryAfterMs(null, now), retryAfterMs('soon', now)]).toEqual([undefined, undefined]);
  });

  it('takes overrides from the environment, and names a variable whose value is wrong', () => {
    expect(readPolicy({})).toEqual(DEFAULT_READ_POLICY);
    expect(readPolicy({ NX_POLYGLOT_REGISTRY_TIMEOUT_MS: '2000', NX_POLYGLOT_REGISTRY_ATTEMPTS: '2' })).toMatchObject({
      timeoutMs: 2000,
      attempts: 2,
      budgetMs: DEFAULT_READ_POLICY.budgetMs,
    });
    expect(() => readPolicy({ NX_POLYGLOT_REGISTRY_TIMEOUT_MS: '2s' })).toThrow(
      'NX_POLYGLOT_REGISTRY_TIMEOUT_MS=2s is not a whole number of at least 1: set it to milliseconds (default 10000), or unset it',
    );
  });
});
