#!/usr/bin/env node
// Benchmark: the remote cache gateway (tools/remote-cache/server.mjs), PUT then
// GET of distinct entries at a fixed concurrency, on the disk store through one
// gateway and on a local S3 store (versitygw, POSIX backend in a temporary
// directory) through one and through two gateways (requests alternate). All
// processes on this machine, loopback only: client, gateways and store share
// its cores, so the figures are a floor for one machine, not a cluster's.
// Bounded: a fixed count of requests per row, then everything is stopped.
// Prints a Markdown table.
//
//   node tools/bench/remote-cache.mjs [--concurrency 16] [--small 400] [--large 40]
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const repo = join(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: { concurrency: { type: 'string', default: '16' }, small: { type: 'string', default: '400' }, large: { type: 'string', default: '40' } },
});
const concurrency = Number(values.concurrency);
const SIZES = [
  { label: '64 KiB', bytes: 64 << 10, count: Number(values.small) },
  { label: '8 MiB', bytes: 8 << 20, count: Number(values.large) },
];
const tokens = { read: randomBytes(16).toString('hex'), write: randomBytes(16).toString('hex') };
const root = { accessKeyId: `root-${randomBytes(4).toString('hex')}`, secretAccessKey: randomBytes(20).toString('hex') };
const REGION = 'us-east-1';
const BUCKET = 'nx-cache';
const work = mkdtempSync(join(tmpdir(), 'nx-polyglot-bench-cache-'));
const children = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/** A child process, stopped at the end. */
function start(file, args, env) {
  const child = spawn(file, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

/** server.mjs on a free port; its URL. Credentials only through the SDK's environment variables. */
function gateway(storeArgs) {
  const child = start(process.execPath, [join(repo, 'tools', 'remote-cache', 'server.mjs'), '--port', '0', ...storeArgs], {
    NX_CACHE_SERVER_READ_TOKEN: tokens.read,
    NX_CACHE_SERVER_WRITE_TOKEN: tokens.write,
    AWS_ACCESS_KEY_ID: root.accessKeyId,
    AWS_SECRET_ACCESS_KEY: root.secretAccessKey,
    AWS_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', () => reject(new Error(`the gateway exited: ${out}`)));
  });
}

/** versitygw (tools/remote-cache/install-versitygw.sh) on 127.0.0.1 with one bucket; its endpoint. */
async function versitygw() {
  const binary = execFileSync('bash', [join(repo, 'tools', 'remote-cache', 'install-versitygw.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const data = join(work, 's3');
  mkdirSync(data);
  const port = await freePort();
  start(binary, ['posix', data], {
    ROOT_ACCESS_KEY_ID: root.accessKeyId,
    ROOT_SECRET_ACCESS_KEY: root.secretAccessKey,
    VGW_PORT: `127.0.0.1:${port}`,
    VGW_REGION: REGION,
    VGW_HEALTH: '/health',
    VGW_QUIET: 'true',
  });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; !(await fetch(`${endpoint}/health`).then((r) => r.ok, () => false)); i++) {
    if (i > 600) throw new Error('versitygw did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  await new S3Client({ region: REGION, endpoint, forcePathStyle: true, credentials: root }).send(new CreateBucketCommand({ Bucket: BUCKET }));
  return endpoint;
}

/** `count` requests, `concurrency` at a time; wall seconds and each request's latency in ms. */
async function load(count, request) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t = performance.now();
        await request(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { seconds: (performance.now() - started) / 1000, p50: latencies[Math.floor(count * 0.5)], p95: latencies[Math.floor(count * 0.95)] };
}

async function row(name, urls, size, run) {
  const body = randomBytes(size.bytes);
  const url = (i) => `${urls[i % urls.length]}/v1/cache/${run}${String(i).padStart(6, '0')}`;
  const put = await load(size.count, async (i) => {
    const r = await fetch(url(i), { method: 'PUT', body, headers: { authorization: `Bearer ${tokens.write}` } });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`PUT ${url(i)}: ${r.status}`);
  });
  const get = await load(size.count, async (i) => {
    const r = await fetch(url(i), { headers: { authorization: `Bearer ${tokens.read}` } });
    const got = await r.arrayBuffer();
    if (r.status !== 200 || got.byteLength !== size.bytes) throw new Error(`GET ${url(i)}: ${r.status}, ${got.byteLength} bytes`);
  });
  const mib = (size.bytes * size.count) / 2 ** 20;
  const cells = (m) => [(size.count / m.seconds).toFixed(0), (mib / m.seconds).toFixed(0), m.p50.toFixed(1), m.p95.toFixed(1)];
  console.log(`| ${name} | ${size.label} | ${size.count} | ${cells(put).join(' | ')} | ${cells(get).join(' | ')} |`);
}

try {
  const disk = await gateway(['--dir', join(work, 'disk')]);
  const endpoint = await versitygw();
  const s3Args = ['--s3-bucket', BUCKET, '--s3-prefix', 'bench/', '--s3-endpoint', endpoint, '--s3-path-style'];
  const [s3a, s3b] = await Promise.all([gateway(s3Args), gateway(s3Args)]);
  const load1 = loadavg()[0].toFixed(1);
  console.log(`${new Date().toISOString().slice(0, 10)} · ${cpus().length} cores · load ${load1} at the start · concurrency ${concurrency}, PUT then GET of distinct entries; latency in ms`);
  console.log();
  console.log('| store, gateways | entry | requests | PUT req/s | PUT MiB/s | PUT p50 | PUT p95 | GET req/s | GET MiB/s | GET p50 | GET p95 |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  let run = 1;
  for (const size of SIZES) {
    await row('disk, 1 gateway', [disk], size, run++);
    await row('S3 (versitygw), 1 gateway', [s3a], size, run++);
    await row('S3 (versitygw), 2 gateways', [s3a, s3b], size, run++);
  }
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : undefined)));
  rmSync(work, { recursive: true, force: true });
}
