#!/usr/bin/env node
// Nx's self-hosted remote cache (the "Nx custom remote cache" OpenAPI spec,
// Nx >= 20.8: GET/PUT /v1/cache/{hash}, bearer tokens), storing entries on disk.
//
// Two tokens: a read-only one for untrusted jobs (pull requests) and a
// read-write one for trusted jobs (main). An entry is never overwritten (409):
// a task hash names its inputs, so a second, different artefact under the same
// hash can only be a mistake or an attack (cache poisoning).
//
//   NX_CACHE_SERVER_READ_TOKEN=… NX_CACHE_SERVER_WRITE_TOKEN=… \
//     node tools/remote-cache/server.mjs --dir <storage> [--port 0] [--host 127.0.0.1] [--max-bytes N]
//
// Prints `listening on http://<host>:<port>` once it accepts requests.
// No dependencies: Node's http, fs and crypto only.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, promises as fs } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'max-bytes': { type: 'string', default: String(2 ** 30) },
  },
});

function die(message) {
  process.stderr.write(`remote-cache: ${message}\n`);
  process.exit(2);
}

if (!args.dir) die('--dir <storage directory> is required.');
const readToken = process.env.NX_CACHE_SERVER_READ_TOKEN;
const writeToken = process.env.NX_CACHE_SERVER_WRITE_TOKEN;
if (!readToken || !writeToken) {
  die('set NX_CACHE_SERVER_READ_TOKEN (read-only: pull requests, developers) and NX_CACHE_SERVER_WRITE_TOKEN (read-write: trusted CI jobs) in the environment.');
}
if (readToken === writeToken) die('NX_CACHE_SERVER_READ_TOKEN and NX_CACHE_SERVER_WRITE_TOKEN must differ.');
const maxBytes = Number(args['max-bytes']);
if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) die(`--max-bytes must be a positive integer, not "${args['max-bytes']}".`);

const entries = join(args.dir, 'entries');
const incoming = join(args.dir, 'incoming');
mkdirSync(entries, { recursive: true });
mkdirSync(incoming, { recursive: true });

// Compare digests, not the strings: constant time whatever the lengths.
const digest = (s) => createHash('sha256').update(s).digest();
const tokens = [
  { digest: digest(readToken), canWrite: false },
  { digest: digest(writeToken), canWrite: true },
];

/** 'write', 'read' or undefined for a missing or unknown bearer token. */
function access(header) {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  if (!match) return undefined;
  const presented = digest(match[1]);
  let found;
  for (const t of tokens) if (timingSafeEqual(presented, t.digest)) found = t.canWrite ? 'write' : 'read';
  return found;
}

// Nx's hashes are decimal; allow the URL-safe alphabet, nothing that can climb out of the directory.
const CACHE_PATH = /^\/v1\/cache\/([A-Za-z0-9_-]{1,128})$/;
let uploads = 0;

async function handle(req, res) {
  const send = (status, text) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(text ? `${text}\n` : undefined);
    return status;
  };
  const match = CACHE_PATH.exec(new URL(req.url ?? '/', 'http://x').pathname);
  if (!match) return send(404, 'Not found: the API is GET/PUT /v1/cache/{hash}.');
  if (req.method !== 'GET' && req.method !== 'PUT') {
    res.setHeader('allow', 'GET, PUT');
    return send(405, 'Method not allowed.');
  }
  const granted = access(req.headers.authorization);
  if (!granted) return send(401, 'Missing or unknown bearer token.');
  const file = join(entries, match[1]);

  if (req.method === 'GET') {
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat) return send(404, 'The record was not found.');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': stat.size });
    await pipeline(createReadStream(file), res);
    return 200;
  }

  if (granted !== 'write') return send(403, 'This token may read the cache, not write to it.');
  const length = Number(req.headers['content-length']);
  if (!Number.isSafeInteger(length) || length < 0) return send(411, 'Content-Length is required.');
  if (length > maxBytes) return send(413, `An entry may hold at most ${maxBytes} bytes.`);
  if (await fs.stat(file).catch(() => undefined)) return send(409, 'Cannot override an existing record.');
  const part = join(incoming, `${match[1]}.${process.pid}.${uploads++}`);
  try {
    let received = 0;
    const body = req.on('data', (chunk) => {
      received += chunk.length;
      if (received > length) req.destroy(new Error('body longer than Content-Length'));
    });
    await pipeline(body, createWriteStream(part, { flags: 'wx' }));
    if (received !== length) return send(400, `Received ${received} of ${length} bytes.`);
    // link() fails if the name exists: of two racing writers, exactly one wins
    await fs.link(part, file);
    return send(200);
  } catch (e) {
    if (e.code === 'EEXIST') return send(409, 'Cannot override an existing record.');
    throw e;
  } finally {
    await fs.rm(part, { force: true });
  }
}

const server = createServer((req, res) => {
  const started = Date.now();
  handle(req, res).then(
    (status) => log(req, status, started),
    (e) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
      log(req, 500, started, e.message);
    },
  );
});

// One line per request; the Authorization header is never logged.
function log(req, status, started, detail = '') {
  process.stdout.write(`${new Date().toISOString()} ${req.method} ${req.url} ${status} ${Date.now() - started}ms ${detail}\n`);
}

server.listen(Number(args.port), args.host, () => {
  const { address, port } = server.address();
  process.stdout.write(`listening on http://${address}:${port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
