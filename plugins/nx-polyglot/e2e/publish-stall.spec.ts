import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  duplicates,
  label,
  PlannedPackage,
  proxiedRelease,
  ProxiedReleaseSession,
  showsPackage,
} from './proxied-release';
import { installRegistries, Registry } from './registries';

beforeAll(() => installRegistries(), 3_600_000);

/**
 * The bounds of this suite's runs, shorter than the defaults so that a
 * registry that stays down costs seconds, not the production minute: the
 * plugin's reads (registry-fetch.ts: a 2 s try, 4 tries, 8 s budget) and
 * cargo's own (http.timeout 5 s instead of 30 s, 2 retries instead of 3).
 * They are the variables a user sets; the stall lengths below are chosen
 * against them (a 3 s stall is ridden out, one that lasts the run is not).
 */
const BOUNDS = {
  NX_POLYGLOT_REGISTRY_TIMEOUT_MS: '2000',
  NX_POLYGLOT_REGISTRY_ATTEMPTS: '4',
  NX_POLYGLOT_REGISTRY_BACKOFF_MS: '250',
  NX_POLYGLOT_REGISTRY_MAX_BACKOFF_MS: '1000',
  NX_POLYGLOT_REGISTRY_BUDGET_MS: '8000',
  CARGO_HTTP_TIMEOUT: '5',
  CARGO_NET_RETRY: '2',
};

const RERUN = /Rerun `nx run-many -t publish` once `local` answers; already published packages are skipped\./;

/**
 * A registry that stops answering (SIGSTOP, SIGCONT), and one that answers
 * 5xx, while `nx run-many -t publish` runs: reads are retried within their
 * bounds, every wait ends on its own (the run ends with a message naming the
 * registry, what the run published so far and what to do), and once the
 * registry is back a rerun publishes exactly the rest, each package once.
 */
describe.sequential('a stalled or failing registry during publish', () => {
  let s: ProxiedReleaseSession;
  let version = 0;
  const started = Date.now();
  const found = { faults: [] as string[], duplicates: 0, missing: 0 };

  beforeAll(async () => {
    s = await proxiedRelease('nx-polyglot-stall-', BOUNDS);
  }, 600_000);
  afterAll(async () => {
    console.log(
      `publish stalls: ${found.faults.length} fault(s) (${found.faults.join('; ')}) in ${Math.round((Date.now() - started) / 1000)} s; ${found.duplicates} duplicate upload(s), ${found.missing} missing package(s)`,
    );
    await s?.cleanup();
  });

  const pid = (registry: Registry) => Number(readFileSync(join(s.data, `${registry}.pid`), 'utf8'));
  const crates = (p: PlannedPackage) => p.ecosystem === 'cargo';
  const python = (p: PlannedPackage) => p.ecosystem === 'python';
  const firstCrate = (plan: PlannedPackage[]) => plan.find(crates)!;

  /**
   * A fresh version of everything, the packages `only` picks published (one
   * ecosystem keeps a case short), the fault armed once `trigger` shows in
   * its registry (or at once), one run, the fault's end, the rerun.
   */
  async function faultedRun(
    name: string,
    registry: Registry,
    only: (p: PlannedPackage) => boolean,
    trigger: ((plan: PlannedPackage[]) => PlannedPackage) | 'at once',
    fault: { start: () => void; end: () => void },
  ) {
    version++;
    await s.setVersions(`0.13.${version}`, `0.2.${version}`);
    const packages = (await s.plan()).filter(only);
    const projects = `--projects=${packages.map((p) => p.project).join(',')}`;
    const at = trigger === 'at once' ? undefined : trigger(packages);
    const proxy = s.proxies[registry];
    let armed = at === undefined;
    if (armed) fault.start();
    proxy.onResponse = (r) => {
      if (armed || !at || !showsPackage(at, r)) return;
      armed = true;
      fault.start();
    };
    const uploadsBefore = s.uploads().length;
    writeFileSync(s.log, '');
    // the run ends by itself while the fault lasts: only its own bounds end the waits
    const first = await s.publish(projects);
    proxy.onResponse = undefined;
    const firstRecords = s.records();
    fault.end();
    // what a stopped registry held (an upload cargo gave up on) is answered before anyone looks
    await proxy.settled();
    expect(armed, `${at ? label(at) : ''} showed in its index`).toBe(true);

    // what reached the registry, confirmed by the run or not
    const there = await s.present(packages);
    writeFileSync(s.log, '');
    const rerun = await s.publish(projects);
    expect(rerun.exitCode, rerun.all).toBe(0);
    const now = await s.present(packages);
    const missing = packages.filter((p) => !now.has(label(p))).map(label);
    const twice = duplicates(s.uploads().slice(uploadsBefore));
    found.faults.push(name);
    found.missing += missing.length;
    found.duplicates += twice.length;
    expect(missing).toEqual([]);
    expect(twice).toEqual([]);
    // what the first run got into the registry is skipped, the rest is published now
    for (const r of s.records()) expect(r.status, label(r)).toBe(there.has(label(r)) ? 'skipped' : 'published');
    return { first, firstRecords, packages };
  }

  /**
   * What a failed run says of each package: published, failed naming the
   * registry, or failed without being tried because a crate it needs failed
   * (logged so, naming that crate, whose own record is a failure).
   */
  function accountedFor(records: ReturnType<ProxiedReleaseSession['records']>, packages: PlannedPackage[]) {
    const said = new Map(records.map((r) => [label(r), r]));
    expect(records.some((r) => r.status === 'failed')).toBe(true);
    for (const p of packages) {
      const r = said.get(label(p));
      if (r === undefined || r.status === 'published') continue;
      expect(r.status, label(p)).toBe('failed');
      const blocker = /^not tried: (\S+), which it needs, was not published$/.exec(r.detail ?? '')?.[1];
      if (blocker) expect(said.get(`${blocker} (cargo)`)?.status, label(p)).toBe('failed');
      else expect(r.detail ?? '', label(p)).toMatch(/`local`/);
    }
  }

  it('kellnr SIGSTOPped for 3 s after the first crate: the run waits it out and publishes everything', async () => {
    let timer: NodeJS.Timeout | undefined;
    const { first } = await faultedRun('crates SIGSTOP 3 s', 'crates', crates, firstCrate, {
      start: () => {
        process.kill(pid('crates'), 'SIGSTOP');
        timer = setTimeout(() => process.kill(pid('crates'), 'SIGCONT'), 3_000);
      },
      end: () => {
        clearTimeout(timer);
        process.kill(pid('crates'), 'SIGCONT');
      },
    });
    expect(first.exitCode, first.all).toBe(0);
  }, 1_800_000);

  it('kellnr SIGSTOPped after the first crate until the run ends: the run ends within its bounds naming the registry; SIGCONT and a rerun converge', async () => {
    const { first, firstRecords, packages } = await faultedRun(
      'crates SIGSTOP for the run',
      'crates',
      crates,
      firstCrate,
      {
        start: () => process.kill(pid('crates'), 'SIGSTOP'),
        end: () => process.kill(pid('crates'), 'SIGCONT'),
      },
    );
    expect(first.exitCode).not.toBe(0);
    expect(first.all).toMatch(
      /The Cargo registry `local` is not reachable at \S+ \(no answer within 2 s\)\. Start it, or fix CARGO_REGISTRIES_LOCAL_INDEX\. It was asked for the index file of \S+ \(\S+\) \d times in \d+ s\./,
    );
    expect(first.all).toMatch(RERUN);
    accountedFor(firstRecords, packages);
  }, 1_800_000);

  it("kellnr's index answering 503 to a few reads after the first crate: the retries ride it out, no rerun needed", async () => {
    const proxy = s.proxies.crates;
    const failedBefore = proxy.failed;
    const { first } = await faultedRun('crates 503 x2 (reads)', 'crates', crates, firstCrate, {
      // reads only: a failed upload is never retried blindly (the registry is asked again first)
      start: () => {
        proxy.failOnly = (r) => r.method === 'GET';
        proxy.failCount = 2;
        proxy.failWith = 503;
      },
      end: () => {
        proxy.failWith = undefined;
        proxy.failCount = undefined;
        proxy.failOnly = undefined;
      },
    });
    expect(first.exitCode, first.all).toBe(0);
    expect(proxy.failed - failedBefore).toBe(2);
  }, 1_800_000);

  it('kellnr answering 503 from the first crate on until the run ends: a clear failure; the rerun after it recovers converges', async () => {
    const { first, firstRecords, packages } = await faultedRun('crates 503 for the run', 'crates', crates, firstCrate, {
      start: () => (s.proxies.crates.failWith = 503),
      end: () => (s.proxies.crates.failWith = undefined),
    });
    expect(first.exitCode).not.toBe(0);
    expect(first.all).toMatch(
      /The Cargo registry `local` at http:\/\/127\.0\.0\.1:\d+\/\S* answered 503 Service Unavailable\. It was asked for the index file of \S+ \(\S+\) \d times in \d+ s\./,
    );
    // cargo's own wait sees the first crate before the plugin does: the plugin may find it unconfirmed, and say so
    expect(first.all).toMatch(
      /was uploaded but not seen in the registry yet|was not published|may or may not have been stored/,
    );
    expect(first.all).toMatch(/So far in this run: \d+ published/);
    expect(first.all).toMatch(RERUN);
    accountedFor(firstRecords, packages);
  }, 1_800_000);

  it('pypiserver SIGSTOPped for the whole run: the Python package fails naming the repository; SIGCONT and a rerun converge', async () => {
    const { first, firstRecords, packages } = await faultedRun('pypi SIGSTOP for the run', 'pypi', python, 'at once', {
      start: () => process.kill(pid('pypi'), 'SIGSTOP'),
      end: () => process.kill(pid('pypi'), 'SIGCONT'),
    });
    expect(first.exitCode).not.toBe(0);
    expect(first.all).toMatch(
      /The Python repository `local` is not usable at http:\/\/127\.0\.0\.1:\d+\/simple\/micromegas\/ \(no answer within 2 s\)\. Start it, or fix .* It was asked \d times in \d+ s\./,
    );
    expect(first.all).toMatch(/micromegas 0\.13\.\d+ was not published\./);
    expect(first.all).toMatch(RERUN);
    accountedFor(firstRecords, packages);
  }, 1_800_000);
});
