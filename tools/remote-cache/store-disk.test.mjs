// The disk store when its disk fails: full, read-only, and the leftovers of a killed gateway.
// A full disk is a real one (a 1 MiB tmpfs), so these tests mount when they can (root);
// without root, read-only is a directory without write permission and "full" is skipped.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newTokens, rawRequest, spawnGateway } from './spawn-gateway.mjs';

const tokens = newTokens();
const files = (dir) => (existsSync(dir) ? readdirSync(dir) : []);

/** A 1 MiB tmpfs at a new directory, or undefined where mounting is not allowed. */
function smallDisk() {
  const dir = mkdtempSync(join(tmpdir(), 'remote-cache-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}
const unmount = (dir) => {
  execFileSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
};
const readOnly = (dir) => execFileSync('mount', ['-o', 'remount,ro', dir]);
// a guard for a gateway that never answers (what these failures did before): fail, do not hang
const GUARD = { timeout: 60_000 };
const canMount = (() => {
  const dir = smallDisk();
  if (dir) unmount(dir);
  return Boolean(dir);
})();

describe('the disk store, full', { ...GUARD, skip: !canMount && 'mounting a tmpfs needs root' }, () => {
  let disk;
  let gateway;
  before(async () => {
    disk = smallDisk();
    gateway = await spawnGateway(['--dir', disk], tokens);
  });
  after(async () => {
    await gateway?.kill();
    if (disk) unmount(disk);
  });

  it('answers an upload that does not fit at once, naming the full disk, and keeps nothing of it', async () => {
    const response = await gateway.put('/v1/cache/1', tokens.write, Buffer.alloc(1.5 * 2 ** 20, 120));
    // 403 is what Nx takes as "not stored" and carries on after (see gateway.mjs)
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('x-upload-refused'), '507 Insufficient Storage');
    assert.match(await response.text(), /store failed \(disk .*\): ENOSPC/);
    assert.match(await gateway.logged(/PUT \/v1\/cache\/1 /), /PUT \/v1\/cache\/1 403 \d+ms write not stored: 507 Insufficient Storage: .*ENOSPC/);
    assert.deepEqual(files(join(disk, 'incoming')), []);
    assert.equal((await gateway.get('/v1/cache/1', tokens.read)).status, 404);
    // what fits is still stored
    assert.equal((await gateway.put('/v1/cache/2', tokens.write, 'small')).status, 200);
  });

  it('answers an upload the disk fills mid-way while the client is still sending, then reads the rest', async () => {
    const length = 4 * 2 ** 20;
    const head = `PUT /v1/cache/3 HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${tokens.write}\r\ncontent-length: ${length}\r\n\r\n`;
    const client = await rawRequest(gateway.url, head, 2 * 2 ** 20);
    // the answer comes before the client sent the rest of its body (or the connection closes without one)
    const answered = new Promise((resolve) => client.socket.on('data', () => /\r\n\r\n/.test(client.received()) && resolve()));
    await Promise.race([answered, client.closed]);
    assert.match(client.received(), /^HTTP\/1\.1 403 [^]*x-upload-refused: 507 Insufficient Storage/i);
    // the rest is read: the client finishes sending, and closing is its own decision
    await new Promise((resolve, reject) => client.socket.end(Buffer.alloc(2 * 2 ** 20), (e) => (e ? reject(e) : resolve())));
    await client.closed;
    assert.equal(client.errors(), '');
  });
});

describe('the disk store, read-only', GUARD, () => {
  let dir;
  let gateway;
  before(async () => {
    dir = canMount ? smallDisk() : mkdtempSync(join(tmpdir(), 'remote-cache-ro-'));
    gateway = await spawnGateway(['--dir', dir], tokens);
    // the disk turns read-only under a running gateway (as after I/O errors)
    if (canMount) readOnly(dir);
    else chmodSync(join(dir, 'incoming'), 0o555);
  });
  after(async () => {
    await gateway?.kill();
    if (canMount) unmount(dir);
    else rmSync(dir, { recursive: true, force: true });
  });

  for (const [size, bytes] of [
    ['small', 10],
    ['1 MiB', 2 ** 20],
  ])
    it(`answers a ${size} upload at once with the store's failure (503), logged as the store's`, async () => {
      const response = await gateway.put(`/v1/cache/${bytes}`, tokens.write, Buffer.alloc(bytes, 120));
      assert.equal(response.status, 403);
      assert.equal(response.headers.get('x-upload-refused'), '503 Service Unavailable');
      assert.match(await response.text(), /store failed \(disk .*\): (EROFS|EACCES)/);
      assert.match(await gateway.logged(new RegExp(`PUT /v1/cache/${bytes} `)), /403 \d+ms write not stored: 503 .*(EROFS|EACCES)/);
    });

  it('refuses to start on it, naming the directory and the cause', async () => {
    const { exit } = await spawnGateway(['--dir', dir], tokens);
    assert.equal(exit.code, 2);
    assert.match(exit.output, new RegExp(`the store is not usable: ${dir} is not a writable directory \\((EROFS|EACCES)`));
  });
});

describe('the leftovers of a killed gateway', GUARD, () => {
  let dir;
  let gateway;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'remote-cache-killed-'))));
  after(async () => {
    await gateway?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are removed by the next gateway, and the upload of that hash then succeeds', async () => {
    const killed = await spawnGateway(['--dir', dir], tokens);
    const head = `PUT /v1/cache/7 HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${tokens.write}\r\ncontent-length: ${2 ** 24}\r\n\r\n`;
    const client = await rawRequest(killed.url, head, 2 ** 20);
    while (files(join(dir, 'incoming')).length === 0) await new Promise((r) => setTimeout(r, 20));
    await killed.kill('SIGKILL');
    client.socket.destroy();
    const [leftover] = files(join(dir, 'incoming'));
    assert.match(leftover, /^main\.7\./);

    gateway = await spawnGateway(['--dir', dir], tokens);
    assert.match(gateway.log(), new RegExp(`removed 1 unfinished upload\\(s\\) of stopped gateways: ${leftover.replace(/\./g, '\\.')}`));
    assert.deepEqual(files(join(dir, 'incoming')), []);
    assert.equal((await gateway.put('/v1/cache/7', tokens.write, 'whole')).status, 200);
  });

  it('never collide with the temporary names of a gateway that got the same pid (pid 1 in a container)', async () => {
    // what a gateway of this pid killed mid-upload left, under the old and the present naming
    mkdirSync(join(dir, 'incoming'), { recursive: true });
    for (let n = 0; n < 10; n++) {
      writeFileSync(join(dir, 'incoming', `main.8.${gateway.pid}.${n}`), 'half');
      writeFileSync(join(dir, 'incoming', `main.8.${gateway.pid}-000000000000.${n}`), 'half');
    }
    const response = await gateway.put('/v1/cache/8', tokens.write, 'whole');
    assert.equal(response.status, 200);
    assert.equal(await (await gateway.get('/v1/cache/8', tokens.read)).text(), 'whole');
  });
});
