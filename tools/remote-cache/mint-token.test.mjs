// mint-token.mjs: what it refuses (naming the option, changing nothing) and that what it mints works.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { accessControl } from './tokens.mjs';

const script = fileURLToPath(new URL('./mint-token.mjs', import.meta.url));
const key = randomBytes(32).toString('hex');
const mint = (args, scopeKey = key) =>
  spawnSync(process.execPath, [script, ...args], { env: { NX_CACHE_SERVER_SCOPE_KEY: scopeKey }, encoding: 'utf8' });

describe('mint-token', () => {
  for (const hours of ['1e12', '1e9', '-1', '0', 'NaN', 'Infinity', '', 'abc', '745'])
    it(`refuses --hours "${hours}" naming the option and its bounds, printing no token`, () => {
      const run = mint(['--scope', 'pr-1', `--hours=${hours}`]);
      assert.equal(run.status, 2);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, `mint-token: --hours must be a number of hours above 0 and at most 744 (31 days), not "${hours}".\n`);
    });

  it('refuses "--hours -1" (an option-like value) with a message naming --hours, not a stack trace', () => {
    const run = mint(['--scope', 'pr-1', '--hours', '-1']);
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^mint-token: Option '--hours' argument is ambiguous/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });

  it('refuses a key shorter than the gateways accept', () => {
    const run = mint(['--scope', 'pr-1'], 'x'.repeat(31));
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^mint-token: NX_CACHE_SERVER_SCOPE_KEY must have at least 32 characters, as the gateways require/);
  });

  it('mints, for 1.5 hours, a token the gateways accept for its scope until it expires', () => {
    const run = mint(['--scope', 'pr-1', '--hours', '1.5']);
    assert.equal(run.status, 0, run.stderr);
    const header = `Bearer ${run.stdout.trim()}`;
    const at = (ms) => accessControl({ read: 'r', write: 'w', scopeKey: key }, () => ms)(header);
    const grant = at(Date.now());
    assert.equal(grant.who, 'scope:pr-1');
    assert.ok(grant.canWrite('pr-1') && !grant.canWrite('main'));
    assert.equal(at(Date.now() + 1.6 * 3600_000), undefined);
  });
});
