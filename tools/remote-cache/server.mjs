#!/usr/bin/env node
// Nx's self-hosted remote cache (the "Nx custom remote cache" OpenAPI spec,
// Nx >= 20.8: GET/PUT /v1/cache/{hash}, bearer tokens) as a stateless gateway
// in front of a store: a directory on this machine (the default) or an S3
// bucket shared by any number of gateways. See README.md.
//
//   NX_CACHE_SERVER_READ_TOKEN=… NX_CACHE_SERVER_WRITE_TOKEN=… [NX_CACHE_SERVER_PR_TOKEN=…] [NX_CACHE_SERVER_SCOPE_KEY=…] \
//     node tools/remote-cache/server.mjs (--dir <storage> | --s3-bucket <bucket> [--s3-prefix p/] [--s3-endpoint URL] [--s3-region R] [--s3-path-style])
//       [--port 0] [--host 127.0.0.1] [--max-bytes N] [--scope-quota N] [--store-timeout S]
//
// Checks its store first (the directory takes files; the bucket exists and may
// be listed) and refuses to start naming the cause. Prints
// `listening on http://<host>:<port>` once it accepts requests.
// Entries are never overwritten (409): a task hash names its inputs, so a
// second, different artefact under the same hash can only be a mistake or an
// attack (cache poisoning). The default branch's scope is written only with
// the write token; pull requests write into their own scopes (tokens.mjs).
import { parseArgs } from 'node:util';
import { createGateway } from './gateway.mjs';
import { accessControl, MIN_SCOPE_KEY_LENGTH } from './tokens.mjs';

const env = process.env;
const { values: args } = parseArgs({
  options: {
    dir: { type: 'string', default: env.NX_CACHE_SERVER_DIR },
    's3-bucket': { type: 'string', default: env.NX_CACHE_S3_BUCKET },
    's3-prefix': { type: 'string', default: env.NX_CACHE_S3_PREFIX ?? '' },
    's3-endpoint': { type: 'string', default: env.NX_CACHE_S3_ENDPOINT },
    's3-region': { type: 'string', default: env.NX_CACHE_S3_REGION },
    's3-path-style': { type: 'boolean', default: env.NX_CACHE_S3_PATH_STYLE === 'true' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'max-bytes': { type: 'string', default: String(2 ** 30) },
    'scope-quota': { type: 'string', default: env.NX_CACHE_SERVER_SCOPE_QUOTA ?? String(5 * 2 ** 30) },
    'store-timeout': { type: 'string', default: env.NX_CACHE_SERVER_STORE_TIMEOUT ?? '30' },
  },
});

function die(message) {
  process.stderr.write(`remote-cache: ${message}\n`);
  process.exit(2);
}

const tokens = {
  read: env.NX_CACHE_SERVER_READ_TOKEN,
  write: env.NX_CACHE_SERVER_WRITE_TOKEN,
  pr: env.NX_CACHE_SERVER_PR_TOKEN || undefined,
  scopeKey: env.NX_CACHE_SERVER_SCOPE_KEY || undefined,
};
if (!tokens.read || !tokens.write) {
  die('set NX_CACHE_SERVER_READ_TOKEN (read-only: developers, fork pull requests) and NX_CACHE_SERVER_WRITE_TOKEN (read-write: the default branch’s CI) in the environment.');
}
const given = [tokens.read, tokens.write, tokens.pr].filter(Boolean);
if (new Set(given).size !== given.length) die('NX_CACHE_SERVER_READ_TOKEN, NX_CACHE_SERVER_WRITE_TOKEN and NX_CACHE_SERVER_PR_TOKEN must differ.');
if (tokens.scopeKey && tokens.scopeKey.length < MIN_SCOPE_KEY_LENGTH)
  die(`NX_CACHE_SERVER_SCOPE_KEY must have at least ${MIN_SCOPE_KEY_LENGTH} characters (openssl rand -hex 32).`);
const positive = (option, what) => {
  const n = Number(args[option]);
  if (!/^\d+(\.\d+)?$/.test(args[option]) || !(n > 0) || !Number.isSafeInteger(Math.ceil(n))) die(`--${option} must be ${what} above 0, not "${args[option]}".`);
  return n;
};
const maxBytes = Math.floor(positive('max-bytes', 'a number of bytes'));
const scopeQuota = Math.floor(positive('scope-quota', 'a number of bytes'));
const timeoutMs = Math.round(positive('store-timeout', 'a number of seconds') * 1000);

if (Boolean(args.dir) === Boolean(args['s3-bucket'])) die('give one store: --dir <storage directory> or --s3-bucket <bucket>.');
let store;
if (args.dir) {
  const { diskStore } = await import('./store-disk.mjs');
  store = diskStore(args.dir);
} else {
  const { s3Store } = await import('./store-s3.mjs');
  store = s3Store({
    bucket: args['s3-bucket'],
    prefix: args['s3-prefix'],
    endpoint: args['s3-endpoint'],
    region: args['s3-region'],
    forcePathStyle: args['s3-path-style'],
    timeoutMs,
  });
  await store.region().catch(() => die('no AWS region: pass --s3-region, or set NX_CACHE_S3_REGION or AWS_REGION.'));
}
const log = (line) => process.stdout.write(`${line}\n`);
await store.check().then(
  (removed) => removed?.length && log(`removed ${removed.length} unfinished upload(s) of stopped gateways: ${removed.join(' ')}`),
  (e) => die(`the store is not usable: ${e.message}`),
);
// uploads of gateways killed since (another gateway on the same directory) go within the hour
if (store.clean) setInterval(() => store.clean().catch((e) => log(`cleaning incoming/ failed: ${e.message}`)), 3600_000).unref();

const server = createGateway({ store, access: accessControl(tokens), maxBytes, scopeQuota, log });
server.listen(Number(args.port), args.host, () => {
  const { address, port } = server.address();
  process.stdout.write(`store ${store.describe}\nlistening on http://${address}:${port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
