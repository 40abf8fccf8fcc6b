// The S3 store against a store that has stalled: it accepts connections and never answers,
// which is what a stopped (SIGSTOP), hung or overloaded server looks like from the network.
// The same against versitygw itself, stopped, and a wrong bucket, are in
// plugins/nx-polyglot/e2e/remote-cache-protocol.spec.ts.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createGateway } from './gateway.mjs';
import { newTokens, spawnGateway } from './spawn-gateway.mjs';
import { s3Store } from './store-s3.mjs';
import { accessControl } from './tokens.mjs';

const tokens = newTokens();
const credentials = { AWS_ACCESS_KEY_ID: 'stalled', AWS_SECRET_ACCESS_KEY: 'stalled', AWS_REGION: 'us-east-1' };

describe('a stalled S3 store', () => {
  let stalled;
  let endpoint;
  const sockets = new Set();
  before(async () => {
    stalled = createServer((socket) => sockets.add(socket.on('error', () => {}))).listen(0, '127.0.0.1');
    await once(stalled, 'listening');
    endpoint = `http://127.0.0.1:${stalled.address().port}`;
    Object.assign(process.env, credentials, { AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' });
  });
  after(() => {
    for (const socket of sockets) socket.destroy();
    stalled.close();
  });

  it('keeps the gateway from starting, naming the deadline', async () => {
    const args = ['--s3-bucket', 'nx-cache', '--s3-endpoint', endpoint, '--s3-path-style', '--store-timeout', '0.5'];
    const { exit } = await spawnGateway(args, tokens, credentials);
    assert.equal(exit.code, 2);
    assert.match(exit.output, /the store is not usable: no answer within 0\.5 s \(the store is stalled or overloaded\)/);
  });

  it('gets GETs answered 503 and uploads dropped (403, 503 in x-upload-refused) at the deadline, each logged', async () => {
    const store = s3Store({ bucket: 'nx-cache', endpoint, forcePathStyle: true, region: 'us-east-1', timeoutMs: 500 });
    const lines = [];
    const server = createGateway({ store, access: accessControl(tokens), maxBytes: 2 ** 20, log: (line) => lines.push(line) }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${server.address().port}`;
    try {
      const get = await fetch(`${url}/v1/cache/1`, { headers: { authorization: `Bearer ${tokens.read}` } });
      assert.equal(get.status, 503);
      assert.match(await get.text(), /store failed \(s3:\/\/nx-cache\/ at http:\/\/127\.0\.0\.1:\d+\): no answer within 0\.5 s/);
      const put = await fetch(`${url}/v1/cache/2`, { method: 'PUT', body: Buffer.alloc(2 ** 16), headers: { authorization: `Bearer ${tokens.write}` } });
      assert.equal(put.status, 403);
      assert.equal(put.headers.get('x-upload-refused'), '503 Service Unavailable');
      assert.match(await put.text(), /no answer within 0\.5 s/);
      assert.match(lines.join('\n'), /GET \/v1\/cache\/1 503 \d+ms read no answer within 0\.5 s/);
      assert.match(lines.join('\n'), /PUT \/v1\/cache\/2 403 \d+ms write not stored: 503 Service Unavailable: .*no answer within 0\.5 s/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
