// The gateway's rules that do not depend on the store (run on the disk store):
// scope names in one case only, refusals that read no body, a quota per scope.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newTokens, rawRequest, spawnGateway } from './spawn-gateway.mjs';
import { accessControl, mintScopeToken } from './tokens.mjs';

const tokens = newTokens();
const QUOTA = 1000;
let dir;
let gateway;
const stored = (store = dir) => {
  const entries = join(store, 'entries');
  return existsSync(entries) ? readdirSync(entries).flatMap((scope) => readdirSync(join(entries, scope)).map((hash) => `${scope}/${hash}`)) : [];
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'remote-cache-gateway-'));
  gateway = await spawnGateway(['--dir', dir], tokens);
});
after(async () => {
  await gateway?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('scope names', () => {
  it('are lowercase: a pull request cannot write MAIN or Main, which a case-insensitive disk would file as main', async () => {
    for (const scope of ['MAIN', 'Main', 'Pr-1']) {
      const response = await gateway.put(`/scopes/${scope}/v1/cache/10`, tokens.pr, 'poison');
      assert.equal(response.status, 400, scope);
      assert.match(await response.text(), new RegExp(`Scope names are lowercase: /scopes/${scope.toLowerCase()}/`));
      assert.equal((await gateway.get(`/scopes/${scope}/v1/cache/10`, tokens.write)).status, 400);
    }
    assert.deepEqual(stored(), []);
  });

  it('are lowercase in scope tokens: none can be minted or accepted for another case', () => {
    const key = tokens.scopeKey;
    assert.throws(() => mintScopeToken(key, 'PR-1', new Date(Date.now() + 3600_000)), /"PR-1" is not a scope name \(lowercase/);
    assert.throws(() => mintScopeToken(key, 'MAIN', new Date(Date.now() + 3600_000)), /not a scope name/);
    // a token signed with the key for an upper-case scope (as an older mint-token made) is refused
    const payload = `nxcs1.MAIN.${Math.floor(Date.now() / 1000) + 3600}`;
    const token = `${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
    assert.equal(accessControl({ read: 'r', write: 'w', scopeKey: key })(`Bearer ${token}`), undefined);
  });
});

describe('a refused request', { timeout: 60_000 }, () => {
  it('is answered and its connection closed without reading its body (401, 403)', async () => {
    const length = 2 ** 30;
    const refused = [
      [401, 'wrong'],
      [401, undefined],
      [403, tokens.read],
      [403, tokens.pr],
    ].map(async ([status, token]) => {
      const auth = token ? `authorization: Bearer ${token}\r\n` : '';
      const client = await rawRequest(gateway.url, `PUT /v1/cache/20 HTTP/1.1\r\nhost: x\r\n${auth}content-length: ${length}\r\n\r\n`, 2 ** 16);
      // the gateway closes: it does not wait for the gigabyte announced
      await client.closed;
      assert.match(client.received(), new RegExp(`^HTTP/1\\.1 ${status} [^]*connection: close`, 'i'));
    });
    await Promise.all(refused);
    assert.deepEqual(stored(), []);
  });
});

describe('the quota of a scope', () => {
  let gateway;
  before(async () => {
    gateway = await spawnGateway(['--dir', join(dir, 'quota'), '--scope-quota', String(QUOTA)], tokens);
    assert.ok(gateway.url, gateway.exit?.output);
  });
  after(() => gateway?.kill());

  it(`stops a scope's uploads at ${QUOTA} bytes with a 403 Nx carries on after; main has none`, async () => {
    const body = 'x'.repeat(600);
    assert.equal((await gateway.put('/scopes/pr-1/v1/cache/30', tokens.pr, body)).status, 200);
    const over = await gateway.put('/scopes/pr-1/v1/cache/31', tokens.pr, body);
    assert.equal(over.status, 403);
    assert.equal(over.headers.get('x-upload-refused'), '507 Insufficient Storage');
    assert.match(await over.text(), new RegExp(`scope pr-1 holds 600 bytes; with these 600 it would pass its quota of ${QUOTA} bytes`));
    assert.match(await gateway.logged(/PUT \/scopes\/pr-1\/v1\/cache\/31 /), /403 \d+ms pr not stored: 507/);
    // another scope has its own quota; main's writer has none
    assert.equal((await gateway.put('/scopes/pr-2/v1/cache/31', tokens.pr, body)).status, 200);
    for (const hash of [32, 33]) assert.equal((await gateway.put(`/v1/cache/${hash}`, tokens.write, body)).status, 200);
    assert.deepEqual(stored(join(dir, 'quota')).sort(), ['main/32', 'main/33', 'pr-1/30', 'pr-2/31']);
  });
});
