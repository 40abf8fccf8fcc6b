import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  duplicates,
  label,
  PlannedPackage,
  proxiedRelease,
  ProxiedReleaseSession,
  REGISTRY_OF,
  showsPackage,
} from './proxied-release';
import { installRegistries } from './registries';

beforeAll(() => installRegistries(), 3_600_000);

/** How each registry's failure reads in the first run's output, and in its publish log. */
const UNREACHABLE: Record<PlannedPackage['ecosystem'], RegExp> = {
  cargo: /The Cargo registry `local` is not reachable at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/crates\/ \(ECONNREFUSED\)/,
  python:
    /The Python repository `local` is not usable at http:\/\/127\.0\.0\.1:\d+\/simple\/micromegas\/ \(ECONNREFUSED\)/,
  npm: /The npm registry is not reachable at http:\/\/127\.0\.0\.1:\d+\/ \(ECONNREFUSED\)/,
};

/**
 * The answer after which `p` is in its registry, the moment the cut falls:
 * a crate, the first index answer that lists it (cargo's own wait sees it
 * before the plugin does); the Python package, the answer to the upload of
 * its second file; the npm package, the answer to its upload. The plugin's
 * own check that the upload is visible then finds the registry down.
 */
function becameVisible(
  p: PlannedPackage,
  r: { method: string; path: string; status: number; body: string; requestBody: Buffer },
  pythonUpload: () => number,
): boolean {
  if (p.ecosystem === 'cargo') return showsPackage(p, r);
  if (r.status < 200 || r.status >= 300) return false;
  const sent = r.requestBody.toString('latin1');
  if (p.ecosystem === 'python')
    return r.method === 'POST' && sent.includes(`filename="${p.name}-${p.version}`) && pythonUpload() === 2;
  return r.method === 'PUT' && sent.includes(`"${p.version}"`);
}

/** NX_POLYGLOT_CUT_POINTS=12,13: only those cuts (to replay one); all of them by default. */
const only = process.env.NX_POLYGLOT_CUT_POINTS?.split(',').map(Number);

/**
 * Every cut point of the demo workspace's publish plan, generated: for the
 * k-th package of the plan, the registry serving it goes down the moment its
 * index first shows the k-th upload (the proxy in front of it delivers that
 * answer and refuses every connection after it; the registry process is
 * stopped too), so the plugin never sees its upload confirmed. The registry
 * is restarted on the same data and `nx run-many -t publish` run again. One
 * registry session serves every cut: each k publishes a fresh version of
 * everything (the plugin's bump), so the cuts do not wait for registries to
 * start 13 times.
 */
describe.sequential('every cut point of the publish plan: the registry goes down right after the k-th upload', () => {
  let s: ProxiedReleaseSession;
  let plan: PlannedPackage[];
  const started = Date.now();
  const found = { cuts: 0, duplicates: 0, missing: 0 };

  beforeAll(async () => {
    // the registry is stopped at every cut point, and each read of it is
    // retried before the run gives up (publish/registry-fetch.ts): short
    // backoffs keep the retries in the path without waiting out their
    // production bounds at each of the cut points
    s = await proxiedRelease('nx-polyglot-cuts-', {
      NX_POLYGLOT_REGISTRY_BACKOFF_MS: '100',
      NX_POLYGLOT_REGISTRY_MAX_BACKOFF_MS: '400',
    });
    plan = await s.plan();
  });
  afterAll(async () => {
    console.log(
      `publish cut points: ${found.cuts} cut(s) of ${plan?.length} packages in ${Math.round((Date.now() - started) / 1000)} s; ` +
        `${found.duplicates} duplicate upload(s), ${found.missing} missing package(s)`,
    );
    await s?.cleanup();
  });

  it('the plan, from the plugin, is every crate cargo publishes, the Python package and the npm package', () => {
    expect(plan.filter((p) => p.ecosystem === 'cargo').length).toBeGreaterThanOrEqual(10);
    expect(plan.filter((p) => p.ecosystem !== 'cargo').map(label)).toEqual([
      'micromegas (python)',
      'nx-polyglot (npm)',
    ]);
    // the plugin's waves: what a crate needs comes before it
    expect(plan.findIndex((p) => p.name === 'micromegas-transit')).toBeGreaterThan(
      plan.findIndex((p) => p.name === 'micromegas-derive-transit'),
    );
  });

  it('for every k: the first run fails naming the registry, the rerun uploads exactly the missing packages, each package is in its index once', async () => {
    for (let k = 1; k <= plan.length; k++) {
      if (only && !only.includes(k)) continue;
      // a fresh version of everything for this cut (k = 1: the versions on disk)
      if (k > 1) await s.setVersions(`0.12.${k - 1}`, `0.1.${k - 1}`);
      const packages: PlannedPackage[] = (await s.plan()).map((p) => ({ ...p }));
      const cut = packages.find((p) => label(p) === label(plan[k - 1])) as PlannedPackage;
      const registry = REGISTRY_OF[cut.ecosystem];
      const proxy = s.proxies[registry];
      let cutAt = -1;
      let pythonFiles = 0;
      proxy.onResponse = (r) => {
        if (cutAt >= 0 || !becameVisible(cut, r, () => ++pythonFiles)) return;
        cutAt = proxy.seen.length;
        return 'down';
      };
      const uploadsBefore = s.uploads().length;
      writeFileSync(s.log, '');
      // with the plugin's own parallelism: an upload in flight at the cut is found in the index or not, and the rerun asks it
      const first = await s.publish();
      proxy.onResponse = undefined;
      expect(cutAt, `k=${k}: ${label(cut)} never showed in its index`).toBeGreaterThan(0);
      expect(first.exitCode, `k=${k}: the first run succeeded`).not.toBe(0);
      expect(first.all, `k=${k}`).toMatch(UNREACHABLE[cut.ecosystem]);
      const firstRecords = s.records();
      const mine = firstRecords.find((r) => label(r) === label(cut));
      expect(mine?.status, `k=${k}: ${label(cut)} in the first run`).toBe('failed');
      expect(mine?.detail, `k=${k}`).toMatch(UNREACHABLE[cut.ecosystem]);

      // the registry really stops, and comes back on the same data
      await s.restart(registry);
      const there = await s.present(packages);
      expect(there.has(label(cut)), `k=${k}: the cut package was uploaded`).toBe(true);
      const missing = packages.filter((p) => !there.has(label(p))).map(label);

      writeFileSync(s.log, '');
      const rerun = await s.publish();
      expect(rerun.exitCode, `k=${k}: ${rerun.all}`).toBe(0);
      const records = s.records();
      expect(
        records
          .filter((r) => r.status === 'published')
          .map(label)
          .sort(),
        `k=${k}: the rerun uploads exactly the missing packages`,
      ).toEqual([...missing].sort());
      expect(
        records
          .filter((r) => r.status === 'skipped')
          .map(label)
          .sort(),
        `k=${k}: and skips the rest`,
      ).toEqual(
        packages
          .filter((p) => there.has(label(p)))
          .map(label)
          .sort(),
      );

      const now = await s.present(packages);
      const notThere = packages.filter((p) => !now.has(label(p))).map(label);
      const sent = s.uploads().slice(uploadsBefore);
      found.missing += notThere.length;
      found.duplicates += duplicates(sent).length;
      expect(notThere, `k=${k}: missing after the rerun`).toEqual([]);
      expect(duplicates(sent), `k=${k}: uploaded twice`).toEqual([]);
      found.cuts++;
    }
    // every upload of every version, over the whole session, went to its registry once
    expect(duplicates(s.uploads())).toEqual([]);
  }, 3_600_000);
});
