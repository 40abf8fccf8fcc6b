import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAlive, ProcessOwner } from '../src/process-liveness';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_SEED, faultRuns, killMatching, seededSample } from './faults';
import { duplicates, label, PlannedPackage, proxiedRelease, ProxiedReleaseSession } from './proxied-release';
import { installRegistries } from './registries';

beforeAll(() => installRegistries(), 3_600_000);

const LOCKS = join('.nx', 'polyglot-publish-locks');

/** The crate a cargo upload request carries (its metadata JSON after a little-endian length). */
function uploadedCrate(body: Buffer): string | undefined {
  if (body.length < 4) return undefined;
  const length = body.readUInt32LE(0);
  if (length === 0 || length > body.length - 4) return undefined;
  return (JSON.parse(body.subarray(4, 4 + length).toString('utf8')) as { name: string }).name;
}

/** A kill point: what is killed, and when. */
type KillPoint =
  | { kind: 'cargo publish'; crate: string; phase: 'before the registry has it' | 'after the registry stored it' }
  | { kind: 'poetry publish'; file: 1 | 2; phase: 'before the registry has it' | 'after the registry stored it' }
  | { kind: 'nx process group'; request: number }
  | { kind: 'nx process group during an upload'; crate: string };

const describePoint = (p: KillPoint) =>
  p.kind === 'nx process group'
    ? `the nx process group at the ${p.request}th registry request`
    : p.kind === 'nx process group during an upload'
      ? `the nx process group while it uploads ${p.crate} (holding its publish lock)`
      : p.kind === 'cargo publish'
        ? `cargo publish -p ${p.crate}, ${p.phase}`
        : `poetry publish at its upload ${p.file}, ${p.phase}`;

/**
 * SIGKILL during publish, at seeded points (NX_POLYGLOT_FAULT_SEED, printed;
 * NX_POLYGLOT_FAULT_RUNS widens the sample, `all` for every point): `cargo
 * publish` and Poetry's upload killed mid-upload (the proxy in front of the
 * registry holds the upload request, the tool is killed while it waits,
 * and the request is then dropped or delivered: before and after the
 * registry stored it), and the whole `nx` process group killed at the n-th
 * request any registry receives. Each point publishes a fresh version of
 * everything; the rerun must converge to every package in its index, each
 * uploaded once.
 */
describe.sequential('SIGKILL during nx run-many -t publish: the rerun converges, nothing is uploaded twice', () => {
  let s: ProxiedReleaseSession;
  let plan: PlannedPackage[];
  let requestsPerRun = 0;
  const found = { points: 0, duplicates: 0, missing: 0, staleLocks: 0 };
  const started = Date.now();

  beforeAll(async () => {
    s = await proxiedRelease('nx-polyglot-kill-');
    plan = await s.plan();
    // a run without faults: every package once, and how many requests a run makes (where nx can be killed)
    const before = Object.values(s.proxies).reduce((n, p) => n + p.seen.length, 0);
    const run = await s.publish();
    if (run.exitCode !== 0) throw new Error(`the publish without faults failed:\n${run.all}`);
    requestsPerRun = Object.values(s.proxies).reduce((n, p) => n + p.seen.length, 0) - before;
  });
  afterAll(async () => {
    console.log(
      `publish kill points (seed ${FAULT_SEED}): ${found.points} point(s) in ${Math.round((Date.now() - started) / 1000)} s; ` +
        `${found.duplicates} duplicate upload(s), ${found.missing} missing package(s), ${found.staleLocks} lock(s) left by a killed run and broken by the rerun`,
    );
    await s?.cleanup();
  });

  const points = (): KillPoint[] => {
    const crates = plan.filter((p) => p.ecosystem === 'cargo').map((p) => p.name);
    const phases = ['before the registry has it', 'after the registry stored it'] as const;
    const all: KillPoint[] = [
      ...crates.flatMap((crate) => phases.map((phase) => ({ kind: 'cargo publish' as const, crate, phase }))),
      ...crates.map((crate) => ({ kind: 'nx process group during an upload' as const, crate })),
      ...([1, 2] as const).flatMap((file) => phases.map((phase) => ({ kind: 'poetry publish' as const, file, phase }))),
      // the first four fifths of a run's requests: a later run's polls may be fewer than the calibration run's
      ...Array.from({ length: Math.floor((requestsPerRun * 4) / 5) }, (_, i) => ({
        kind: 'nx process group' as const,
        request: i + 1,
      })),
    ];
    const of = (kind: KillPoint['kind'], n: number) =>
      seededSample(
        all.filter((p) => p.kind === kind),
        faultRuns(n),
        FAULT_SEED + kind.length,
      );
    return [
      ...of('cargo publish', 3),
      ...of('poetry publish', 2),
      ...of('nx process group', 3),
      ...of('nx process group during an upload', 1),
    ];
  };

  it('every seeded kill point: the first run stops, the rerun publishes exactly what is missing, once', async () => {
    const chosen = points();
    console.log(
      `publish kill points, seed ${FAULT_SEED} (NX_POLYGLOT_FAULT_SEED): ${chosen.map(describePoint).join('; ')}`,
    );
    let version = 0;
    for (const point of chosen) {
      version++;
      await s.setVersions(`0.12.${version}`, `0.1.${version}`);
      const packages = (await s.plan()).map((p) => ({ ...p }));
      const what = describePoint(point);
      let killed: number[] = [];
      // the nx run's process group: its pid, once started
      const group: { pid?: number } = {};
      const kill = () => {
        if (point.kind === 'cargo publish')
          killed = killMatching(
            (argv, cwd) =>
              cwd.startsWith(s.copy) &&
              /(^|\/)cargo$/.test(argv[0]) &&
              argv.includes('publish') &&
              argv[argv.indexOf('-p') + 1] === point.crate,
          );
        else if (point.kind === 'poetry publish')
          killed = killMatching(
            (argv, cwd) =>
              cwd.startsWith(s.copy) && argv.some((a) => /(^|\/)poetry$/.test(a)) && argv.includes('publish'),
          );
        else if (group.pid !== undefined) {
          // the nx process group: nx, its task processes and the tools they run
          process.kill(-group.pid, 'SIGKILL');
          killed = [group.pid];
        }
      };
      let uploads = 0;
      let requests = 0;
      for (const proxy of Object.values(s.proxies)) {
        proxy.onRequest = (r) => {
          requests++;
          if (killed.length > 0) return;
          if (point.kind === 'nx process group') {
            if (requests !== point.request) return;
            kill();
            return 'drop';
          }
          const isUpload =
            point.kind === 'cargo publish' || point.kind === 'nx process group during an upload'
              ? r.method === 'PUT' && r.path.endsWith('/crates/new') && uploadedCrate(r.body) === point.crate
              : r.method === 'POST' && /filename="/.test(r.body.toString('latin1')) && ++uploads === point.file;
          if (!isUpload) return;
          kill();
          if (point.kind === 'nx process group during an upload') return 'drop';
          // the tool is dead: the registry gets the upload only after it (or never)
          return point.phase === 'before the registry has it' ? 'drop' : 'forward';
        };
      }
      const uploadsBefore = s.uploads().length;
      writeFileSync(s.log, '');
      const child = s.nx(['run-many', '-t', 'publish'], {}, { detached: true });
      group.pid = child.pid;
      const first = await child;
      for (const proxy of Object.values(s.proxies)) proxy.onRequest = undefined;
      expect(killed.length, `${what}: the kill point was reached`).toBeGreaterThan(0);
      if (point.kind === 'cargo publish' || point.kind === 'poetry publish') {
        // the tool's death is said, and the package is left for the rerun (or found in the index)
        const victim =
          point.kind === 'cargo publish'
            ? `${point.crate} (cargo)`
            : label({ ecosystem: 'python', name: 'micromegas' });
        const mine = s.records().find((r) => label(r) === victim);
        expect(mine, `${what}: a record`).toBeDefined();
        if (mine?.status === 'failed') expect(mine.signal ?? mine.detail, what).toMatch(/SIGKILL/);
        else expect(mine?.status, what).toBe('skipped');
      } else {
        expect(first.exitCode, what).not.toBe(0);
      }
      const lockDir = join(s.copy, LOCKS);
      const stale = existsSync(lockDir) ? readdirSync(lockDir).filter((f) => f.endsWith('.lock')) : [];
      found.staleLocks += stale.length;
      // killed while uploading: its lock on that crate is left behind, owned by a dead process
      if (point.kind === 'nx process group during an upload')
        expect(
          stale.some((f) => f.includes(`-${point.crate}@`)),
          `${what}: ${stale.join(', ')}`,
        ).toBe(true);

      writeFileSync(s.log, '');
      const rerun = await s.publish();
      expect(rerun.exitCode, `${what}: the rerun\n${rerun.all}`).toBe(0);
      const now = await s.present(packages);
      const missing = packages.filter((p) => !now.has(label(p))).map(label);
      const twice = duplicates(s.uploads().slice(uploadsBefore));
      found.missing += missing.length;
      found.duplicates += twice.length;
      expect(missing, `${what}: missing after the rerun`).toEqual([]);
      expect(twice, `${what}: uploaded twice`).toEqual([]);
      // a lock the killed run left is not held by anyone alive: it stops nobody (the rerun went through it, or
      // found the package in the index without needing it)
      const held = (existsSync(lockDir) ? readdirSync(lockDir).filter((f) => f.endsWith('.lock')) : []).filter((f) =>
        isAlive(JSON.parse(readFileSync(join(lockDir, f), 'utf8')) as ProcessOwner),
      );
      expect(held, what).toEqual([]);
      found.points++;
    }
  }, 3_600_000);
});
