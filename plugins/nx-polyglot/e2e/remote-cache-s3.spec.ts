// The remote cache as stateless gateways in front of a real S3 server
// (versitygw, built from the Go module proxy by tools/remote-cache/install-versitygw.sh),
// end to end with real Nx on copies of this repository.
import { execa } from 'execa';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRepository, executed, nxEnv, removeCopy, repoRoot, runNx } from './repo-copy';
import {
  type Gateway,
  installVersitygw,
  newTokens,
  pinPluginBuild,
  type S3Server,
  startGateway,
  startVersitygw,
} from './remote-cache-harness';

const CHECKS = ['run-many', '-t', 'test', 'lint', 'format', '--exclude=nx-polyglot'];
const PREFIX = 'nx-cache/';

// Nx runs take minutes on a loaded two-core machine: a guard, not a measure
describe(
  'the remote cache on an S3 store, through two stateless gateways (tools/remote-cache)',
  { timeout: 900_000 },
  () => {
    const tokens = newTokens();
    let dir: string;
    let s3: S3Server;
    let gateway1: Gateway;
    let gateway2: Gateway;
    let machineA: string;
    let machineB: string;
    let prToken: string;
    const storeArgs = () => [
      '--s3-bucket',
      s3.bucket,
      '--s3-prefix',
      PREFIX,
      '--s3-endpoint',
      s3.endpoint,
      '--s3-path-style',
    ];
    const remote = (gateway: Gateway, token: string, scope?: string) => ({
      NX_SELF_HOSTED_REMOTE_CACHE_SERVER: scope ? `${gateway.url}/scopes/${scope}` : gateway.url,
      NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token,
    });
    /** Nx in `copy` with its own cache directory, not throwing on failure. */
    const nx = (copy: string, args: string[], env: Record<string, string>) =>
      execa('npx', ['nx', ...args, '--output-style=static'], {
        cwd: copy,
        env: { ...nxEnv, NX_CACHE_DIRECTORY: join(copy, '.nx', 'cache'), ...env },
        reject: false,
        all: true,
      });
    const stored = async (scope: string) =>
      (await s3.keys(`${PREFIX}${scope}/`)).map((k) => k.slice(`${PREFIX}${scope}/`.length));
    /** the task of Nx's last run in `copy`: its hash and cache status, from Nx's run record */
    const lastTask = (copy: string): { hash: string; cacheStatus: string } =>
      JSON.parse(readFileSync(join(copy, '.nx', 'cache', 'run.json'), 'utf8')).tasks[0];
    /** the gateway's log line of the upload of `hash` (waiting for it: the log comes through a pipe) */
    const upload = (gateway: Gateway, hash: string, scope = '') =>
      gateway.logged(new RegExp(`PUT ${scope && `/scopes/${scope}`}/v1/cache/${hash} `));

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'nx-polyglot-remote-cache-s3-'));
      s3 = await startVersitygw(await installVersitygw(), join(dir, 'store'));
      gateway1 = await startGateway(storeArgs(), tokens, s3.root);
      gateway2 = await startGateway(storeArgs(), tokens, s3.root);
      const minted = await execa(
        process.execPath,
        [join(repoRoot, 'tools', 'remote-cache', 'mint-token.mjs'), '--scope', 'pr-42'],
        {
          env: { NX_CACHE_SERVER_SCOPE_KEY: tokens.scopeKey },
        },
      );
      prToken = minted.stdout.trim();
      machineA = await copyRepository('nx-polyglot-s3-machine-a-');
      machineB = await copyRepository('nx-polyglot-s3-machine-b-', { fresh: true }); // never built anything
      pinPluginBuild([machineA, machineB]);
      for (const copy of [machineA, machineB])
        await execa('python3', ['tools/python-env.py', 'python/micromegas'], { cwd: copy });
    });
    afterAll(async () => {
      for (const g of [gateway1, gateway2]) await g?.stop();
      await s3?.stop();
      for (const copy of [machineA, machineB]) if (copy) removeCopy(copy);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('machine A (write token) fills the cache through gateway 1: one object per task under main/', async () => {
      const statuses = await runNx(machineA, CHECKS, remote(gateway1, tokens.write));
      const ids = [...statuses.keys()];
      expect(ids).toEqual(
        expect.arrayContaining(['micromegas-transit:test', 'python-micromegas:test', 'analytics-web-app:lint']),
      );
      expect(executed(statuses)).toHaveLength(ids.length);
      expect(await stored('main')).toHaveLength(ids.length);
    });

    it('machine B (fresh, read-only token) gets every result through gateway 2 and runs nothing', async () => {
      const statuses = await runNx(machineB, CHECKS, remote(gateway2, tokens.read));
      expect(statuses.size).toBeGreaterThan(40);
      expect([...statuses].filter(([, s]) => s !== 'remote-cache-hit')).toEqual([]);
      expect(existsSync(join(machineB, 'rust', 'target'))).toBe(false);
    });

    it('two machines racing on one task through two gateways: both succeed, the store keeps exactly one entry', async () => {
      const before = await stored('main');
      for (const copy of [machineA, machineB])
        appendFileSync(join(copy, 'rust', 'telemetry', 'src', 'lib.rs'), '// the same change on both machines\n');
      const runs = await Promise.all([
        nx(machineA, ['run', 'micromegas-telemetry:format'], remote(gateway1, tokens.write)),
        nx(machineB, ['run', 'micromegas-telemetry:format'], remote(gateway2, tokens.write)),
      ]);
      for (const run of runs) expect(run.exitCode, run.all).toBe(0);
      const added = (await stored('main')).filter((k) => !before.includes(k));
      expect(added).toHaveLength(1);
      // each machine that ran the task uploaded it: one upload stored, any other refused (409); the
      // second may also have come late enough to find the entry (a remote hit): never two entries
      const uploads: string[] = [];
      for (const [copy, gateway] of [
        [machineA, gateway1],
        [machineB, gateway2],
      ] as const) {
        const task = lastTask(copy);
        expect(task.hash).toBe(added[0]);
        if (task.cacheStatus === 'cache-miss') uploads.push(await upload(gateway, task.hash));
      }
      expect(uploads.filter((l) => / PUT \S+ 200 /.test(l))).toHaveLength(1);
      expect(uploads.every((l) => / PUT \S+ (200|409) /.test(l))).toBe(true);
    });

    it('a pull request’s token writes into its scope, reads it back through the other gateway, and main never sees it', async () => {
      appendFileSync(join(machineB, 'rust', 'telemetry', 'src', 'lib.rs'), '// a change only pull request 42 has\n');
      const first = await runNx(machineB, ['run', 'micromegas-telemetry:format'], remote(gateway2, prToken, 'pr-42'));
      expect([...first.values()]).toEqual(['cache-miss']);
      const { hash } = lastTask(machineB);
      expect(await upload(gateway2, hash, 'pr-42')).toMatch(
        /PUT \/scopes\/pr-42\/v1\/cache\/\d+ 200 \d+ms scope:pr-42/,
      );
      expect(await stored('pr-42')).toEqual([hash]);
      expect(await stored('main')).not.toContain(hash);

      // a later run of the same pull request (fresh machine cache) reuses its own result, through gateway 1
      rmSync(join(machineB, '.nx', 'cache'), { recursive: true, force: true });
      const again = await runNx(machineB, ['run', 'micromegas-telemetry:format'], remote(gateway1, prToken, 'pr-42'));
      expect([...again.values()]).toEqual(['remote-cache-hit']);
      // …and its other tasks from main
      const other = await runNx(machineB, ['run', 'analytics-web-app:lint'], remote(gateway1, prToken, 'pr-42'));
      expect([...other.values()]).toEqual(['remote-cache-hit']);
      await gateway1.logged(/GET \/scopes\/pr-42\/v1\/cache\/\d+ 200 \d+ms scope:pr-42 from main/);

      // main's readers do not get it: the task runs again
      rmSync(join(machineB, '.nx', 'cache'), { recursive: true, force: true });
      const asMain = await runNx(machineB, ['run', 'micromegas-telemetry:format'], remote(gateway1, tokens.read));
      expect([...asMain.values()]).toEqual(['cache-miss']);
    });

    it('the pull request’s token pointed at main’s scope is refused by the gateway (403), Nx carries on, main is unchanged', async () => {
      const before = await stored('main');
      rmSync(join(machineB, '.nx', 'cache'), { recursive: true, force: true });
      const statuses = await runNx(machineB, ['run', 'micromegas-telemetry:format'], remote(gateway2, prToken));
      expect([...statuses.values()]).toEqual(['cache-miss']);
      const { hash } = lastTask(machineB);
      expect(await upload(gateway2, hash)).toMatch(/PUT \/v1\/cache\/\d+ 403 \d+ms scope:pr-42/);
      expect(await stored('main')).toEqual(before);
      const refused = await fetch(`${gateway2.url}/v1/cache/${hash}`, {
        method: 'PUT',
        body: 'poison',
        headers: { authorization: `Bearer ${tokens.pr}` },
      });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('may not write to scope main');
      // the gateway said no, not the store: its identity may write, and the store never saw these uploads
      expect(s3.accessLog()).toMatch(/PutObject \S*pr-42\//);
      expect(s3.accessLog()).not.toMatch(new RegExp(`PutObject \\S*main/${hash}`));
      expect(await stored('main')).toEqual(before);
    });

    it('a gateway with a read-only S3 identity serves reads; uploads the store refuses are not stored, and Nx carries on', async () => {
      const readOnly = await startGateway(storeArgs(), tokens, s3.readOnly);
      try {
        const [first] = await stored('main');
        expect(
          (await fetch(`${readOnly.url}/v1/cache/${first}`, { headers: { authorization: `Bearer ${tokens.read}` } }))
            .status,
        ).toBe(200);
        const put = await fetch(`${readOnly.url}/v1/cache/123456`, {
          method: 'PUT',
          body: 'x',
          headers: { authorization: `Bearer ${tokens.write}` },
        });
        // 403 is what Nx takes as "not stored"; what happened is in the header, the body and the log
        expect([put.status, put.headers.get('x-upload-refused')]).toEqual([403, '502 Bad Gateway']);
        expect(await put.text()).toMatch(
          /^Not stored \(502 Bad Gateway\): the cache's store failed \(s3:\/\/nx-cache\/nx-cache\/ at http:\/\/127\.0\.0\.1:\d+\): 403 AccessDenied/,
        );
        // a task whose command succeeds succeeds, whatever became of its upload
        appendFileSync(join(machineB, 'rust', 'telemetry', 'src', 'lib.rs'), '// a change for the read-only gateway\n');
        const run = await nx(machineB, ['run', 'micromegas-telemetry:format'], remote(readOnly, tokens.write));
        expect(run.exitCode, run.all).toBe(0);
        const { hash } = lastTask(machineB);
        expect(await upload(readOnly, hash)).toMatch(
          / 403 \d+ms write not stored: 502 Bad Gateway: .*403 AccessDenied/,
        );
        expect(await stored('main')).not.toContain(hash);
      } finally {
        await readOnly.stop();
      }
    });

    it('with the store down the gateway answers 503 naming it; Nx stops, and NX_SKIP_REMOTE_CACHE=true carries on', async () => {
      const [hash] = await stored('main');
      await s3.stop();
      const response = await fetch(`${gateway1.url}/v1/cache/${hash}`, {
        headers: { authorization: `Bearer ${tokens.read}` },
      });
      expect(response.status).toBe(503);
      expect(await response.text()).toMatch(
        /The cache's store failed \(s3:\/\/nx-cache\/nx-cache\/ at http:\/\/127\.0\.0\.1:\d+\): ECONNREFUSED/,
      );

      appendFileSync(join(machineB, 'rust', 'telemetry', 'src', 'lib.rs'), '// a change while the store is down\n');
      const failed = await nx(machineB, ['run', 'micromegas-telemetry:format'], remote(gateway1, tokens.read));
      expect(failed.exitCode).not.toBe(0);
      expect(failed.all).toContain(
        'Misconfigured remote cache endpoint: Unexpected response status: 503 Service Unavailable',
      );
      const skipped = await nx(machineB, ['run', 'micromegas-telemetry:format'], {
        ...remote(gateway1, tokens.read),
        NX_SKIP_REMOTE_CACHE: 'true',
      });
      expect(skipped.exitCode, skipped.all).toBe(0);
      for (const g of [gateway1, gateway2])
        for (const secret of [...Object.values(tokens), prToken, s3.root.secretAccessKey])
          expect(g.log()).not.toContain(secret);
    });
  },
);
