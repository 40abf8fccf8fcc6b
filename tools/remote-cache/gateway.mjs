// The HTTP side of the remote cache: Nx's self-hosted cache protocol
// (GET/PUT /v1/cache/{hash}, bearer tokens) over a store, with scopes in the
// URL (/scopes/<scope>/v1/cache/{hash}; none = main). It keeps no state of its
// own: every answer comes from the store, so any number of gateways can serve
// one store and a restart loses nothing.
//
// A store is { describe, check(), get(key), put(key, body, length, signal), usage(scope) }:
// get gives { size, body } or undefined (a missing key, nothing else); put gives
// 'created' or 'exists', creates the key only if it is absent, all or nothing, and
// never destroys `body`. Failures of the store are StoreErrors carrying their status:
// 507 full, 503 not answering or not writable, 502 refused.
import { createServer, STATUS_CODES } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { MAIN, SCOPE } from './tokens.mjs';

export class StoreError extends Error {
  /** status: 507 when the store is full, 503 when it did not answer or cannot write, 502 when it refused or failed. */
  constructor(message, status = 503) {
    super(message);
    this.status = status;
  }
}

// Nx (24, http_remote_cache.rs) takes 200, 403 and 409 to a PUT as answers and anything else
// as a failure it retries and then fails the task with, although the task's command succeeded.
// An upload the cache cannot keep (store full, failing or stalled, quota, size) is therefore
// answered 403, "not stored": Nx carries on. The real status is in this header, the body and the log.
const NOT_STORED = 403;

// Nx's hashes are decimal; allow the URL-safe alphabet, nothing that can climb out of a directory.
const CACHE_PATH = /^(?:\/scopes\/([A-Za-z0-9][A-Za-z0-9_-]{0,63}))?\/v1\/cache\/([A-Za-z0-9_-]{1,128})$/;

/**
 * Closes the connection after its answer without reading the request's body. Node closes at once;
 * a client still sending then gets a reset that can drop our answer unread (Apache's "lingering
 * close" problem). So: FIN after the answer, then at most `bytes` more of the body or `ms`, then close.
 */
function closeAfterAnswer(res, bytes = 256 * 1024, ms = 2000) {
  res.setHeader('connection', 'close');
  const socket = res.socket;
  if (!socket) return;
  // Node's server ends a `connection: close` response with socket.destroySoon()
  socket.destroySoon = function linger() {
    this.end();
    let read = 0;
    this.on('data', (chunk) => (read += chunk.length) > bytes && this.destroy());
    setTimeout(() => this.destroy(), ms).unref();
  };
}

/**
 * An http.Server answering Nx. `access(authorizationHeader)` gives a grant
 * ({ who, canRead(scope), canWrite(scope) }) or undefined; `log(line)` gets
 * one line per request, never a token. `scopeQuota`: the bytes a scope other
 * than main may hold.
 */
export function createGateway({ store, access, maxBytes, scopeQuota = Infinity, log }) {
  async function handle(req, res, note) {
    const hasBody = Number(req.headers['content-length']) > 0 || 'transfer-encoding' in req.headers;
    const send = (status, text) => {
      // a refused body is not read: the connection closes after the answer
      if (hasBody && !req.readableFlowing) closeAfterAnswer(res);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(text ? `${text}\n` : undefined);
      return status;
    };
    /** An upload not kept: answered NOT_STORED, with what happened. */
    const notStored = (status, text) => {
      note.detail = `not stored: ${status} ${STATUS_CODES[status]}: ${text}`;
      res.setHeader('x-upload-refused', `${status} ${STATUS_CODES[status]}`);
      return send(NOT_STORED, `Not stored (${status} ${STATUS_CODES[status]}): ${text}`);
    };
    const storeFailed = (e) => `the cache's store failed (${store.describe}): ${e.message}`;
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
    if (!SCOPE.test(scope)) return send(400, `Scope names are lowercase: /scopes/${scope.toLowerCase()}/….`);

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
    if (length > maxBytes) return notStored(413, `an entry may hold at most ${maxBytes} bytes.`);
    if (scope !== MAIN && Number.isFinite(scopeQuota)) {
      const used = await store.usage(scope).catch((e) => e);
      if (used instanceof StoreError) return notStored(used.status, storeFailed(used));
      if (used instanceof Error) throw used;
      if (used + length > scopeQuota)
        return notStored(507, `scope ${scope} holds ${used} bytes; with these ${length} it would pass its quota of ${scopeQuota} bytes.`);
    }
    // Node ends the body after exactly Content-Length bytes; a client that goes
    // away before aborts the store's upload, which then keeps nothing.
    const aborted = new AbortController();
    const abort = () => req.complete || aborted.abort(new Error('the client closed the upload early'));
    req.on('close', abort).on('error', abort);
    const outcome = await store.put(`${scope}/${hash}`, req, length, aborted.signal).catch((e) => (aborted.signal.aborted ? 'aborted' : e));
    if (outcome === 'aborted') {
      note.detail = 'upload aborted by the client, nothing stored';
      return 400;
    }
    // the store may answer before it read the whole body (412, a failure): the answer goes
    // now, and the rest of the body (at most maxBytes, from a client with a write token) is read and dropped
    if (!req.complete) req.unpipe().resume();
    if (outcome instanceof StoreError) return notStored(outcome.status, storeFailed(outcome));
    if (outcome instanceof Error) throw outcome;
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
        if (!req.complete && !req.readableFlowing) closeAfterAnswer(res);
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(`${text}\n`);
      } else res.destroy();
      note.detail = e.message;
      done(status);
    });
  });
}
