// The HTTP side of the remote cache: Nx's self-hosted cache protocol
// (GET/PUT /v1/cache/{hash}, bearer tokens) over a store, with scopes in the
// URL (/scopes/<scope>/v1/cache/{hash}; none = main). It keeps no state of its
// own: every answer comes from the store, so any number of gateways can serve
// one store and a restart loses nothing.
//
// A store is { describe: string, get(key), put(key, body, length) }: get gives
// { size, body } or undefined; put gives 'created' or 'exists' and must create
// the key only if it is absent, all or nothing. Failures of the store are
// StoreErrors, answered with their status (502/503) and message.
import { createServer } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { MAIN } from './tokens.mjs';

export class StoreError extends Error {
  /** status: 503 when the store did not answer, 502 when it refused or failed. */
  constructor(message, status = 503) {
    super(message);
    this.status = status;
  }
}

// Nx's hashes are decimal; allow the URL-safe alphabet, nothing that can climb out of a directory.
const CACHE_PATH = /^(?:\/scopes\/([A-Za-z0-9][A-Za-z0-9_-]{0,63}))?\/v1\/cache\/([A-Za-z0-9_-]{1,128})$/;

/**
 * An http.Server answering Nx. `access(authorizationHeader)` gives a grant
 * ({ who, canRead(scope), canWrite(scope) }) or undefined; `log(line)` gets
 * one line per request, never a token.
 */
export function createGateway({ store, access, maxBytes, log }) {
  async function handle(req, res, note) {
    const send = (status, text) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(text ? `${text}\n` : undefined);
      return status;
    };
    // `//` from a server URL set with a trailing slash
    const match = CACHE_PATH.exec((req.url ?? '/').split('?')[0].replace(/\/{2,}/g, '/'));
    if (!match) return send(404, 'Not found: the API is GET/PUT /v1/cache/{hash}, or /scopes/<scope>/v1/cache/{hash}.');
    if (req.method !== 'GET' && req.method !== 'PUT') {
      res.setHeader('allow', 'GET, PUT');
      return send(405, 'Method not allowed.');
    }
    const grant = access(req.headers.authorization);
    if (!grant) return send(401, 'Missing, unknown or expired bearer token.');
    note.who = grant.who;
    const [, scope = MAIN, hash] = match;

    if (req.method === 'GET') {
      if (!grant.canRead(scope)) return send(403, `This token may not read scope ${scope}.`);
      // a scope reads its own entries first, then the default branch's
      for (const from of scope === MAIN ? [MAIN] : [scope, MAIN]) {
        if (!grant.canRead(from)) continue;
        const entry = await store.get(`${from}/${hash}`);
        if (!entry) continue;
        note.detail = `from ${from}`;
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': entry.size });
        await pipeline(entry.body, res);
        return 200;
      }
      return send(404, 'The record was not found.');
    }

    if (!grant.canWrite(scope)) {
      if (grant.who === 'read') return send(403, 'This token may read the cache, not write to it.');
      return send(403, `This token may not write to scope ${scope}${scope === MAIN ? `: ${MAIN} is written with the default branch's write token only` : ''}.`);
    }
    const length = Number(req.headers['content-length']);
    if (!Number.isSafeInteger(length) || length < 0) return send(411, 'Content-Length is required.');
    if (length > maxBytes) return send(413, `An entry may hold at most ${maxBytes} bytes.`);
    // Node ends the body after exactly Content-Length bytes; a client that goes
    // away before aborts the store's upload, which then keeps nothing.
    const aborted = new AbortController();
    const abort = () => req.complete || aborted.abort(new Error('the client closed the upload early'));
    req.on('close', abort).on('error', abort);
    const outcome = await store.put(`${scope}/${hash}`, req, length, aborted.signal).catch((e) => {
      if (aborted.signal.aborted) return 'aborted';
      throw e;
    });
    // the store may answer before it read the whole body (412): drop the rest
    if (!req.complete) req.unpipe().resume();
    if (outcome === 'aborted') {
      note.detail = 'upload aborted by the client, nothing stored';
      return 400;
    }
    return outcome === 'created' ? send(200) : send(409, 'Cannot override an existing record.');
  }

  return createServer((req, res) => {
    const started = Date.now();
    const note = { who: '-', detail: '' };
    const done = (status) => log(`${new Date().toISOString()} ${req.method} ${req.url} ${status} ${Date.now() - started}ms ${note.who} ${note.detail}`.trimEnd());
    handle(req, res, note).then(done, (e) => {
      const status = e instanceof StoreError ? e.status : 500;
      const text = e instanceof StoreError ? `The cache's store failed (${store.describe}): ${e.message}` : 'Internal error.';
      if (!res.headersSent) {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(`${text}\n`);
      } else res.destroy();
      note.detail = e.message;
      done(status);
    });
  });
}
