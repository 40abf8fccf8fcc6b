import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { join, relative } from 'node:path';
import { subdirectories } from '../manifest-cache';
import { manifestCaches } from '../polyglot-model';
import { checkRunCredentials, credentialDetail } from '../publish/publish-credentials';
import { publishLockFile, withPublishLock } from '../publish/publish-lock';
import { PublishRecord, recordPublish } from '../publish/publish-log';
import { howItEnded, runProcess } from '../run-process';
import { CargoPackage, CargoWorkspace, loadCargoWorkspaces } from '../cargo/cargo-workspace';
import {
  CRATES_IO_RATE_LIMIT,
  publishBlockers,
  publishConstraints,
  publishWaves,
  rateLimitProblem,
} from '../cargo/publish-plan';
import { RegistryError, SparseIndex } from '../cargo/sparse-index';

export interface CargoPublishOptions {
  /** The Cargo workspace root, relative to the Nx workspace root. */
  cwd: string;
  package: string;
  /** The registry name (`--registry`); URL and token from CARGO_REGISTRIES_<NAME>_INDEX / _TOKEN. */
  registry: string;
  /** Resolve crates.io dependencies from this registry while publishing (see PublishOptions). */
  replacesCratesIo?: boolean;
  /** Seconds to wait for the index to show an upload. */
  visibilityTimeout?: number;
  /** Crates uploaded at once, in a batch. */
  maxParallel?: number;
  rateLimit?: false | { newVersionsBurst: number; newCratesBurst: number };
  /** Extra `cargo publish` arguments, e.g. ["--no-verify"]. */
  args?: string[];
  dryRun?: boolean;
}

type Result = { success: boolean; terminalOutput: string; startTime: number; endTime: number };

const NO_REGISTRY =
  'No Cargo registry is configured for publishing: set "publish": { "cargo": { "registry": "<name>" } } in the nx-polyglot plugin options in nx.json (crates-io for crates.io), with CARGO_REGISTRIES_<NAME>_INDEX and _TOKEN in the environment.\n';

function loadWorkspace(root: string, cwd: string): CargoWorkspace {
  const { cargo } = manifestCaches();
  return loadCargoWorkspaces([join(root, cwd, 'Cargo.toml')], { manifest: (f) => cargo.get(f), subdirectories })[0];
}

/** Refuses a publish run that cargo would break half-way; nothing is uploaded. */
function blockerReport(ws: CargoWorkspace, registry: string, root: string): string | undefined {
  const blockers = publishBlockers(ws, registry);
  if (blockers.length === 0) return undefined;
  const lines = blockers.map((b) => `  - ${relative(root, b.file)}: \`${b.key}\`: ${b.problem}. ${b.fix}.`);
  return `Nothing was published: ${blockers.length} problem(s) would stop cargo publish part-way:\n${lines.join('\n')}\n`;
}

/**
 * Publishes one crate unless the registry already has its version, then
 * waits until the index shows it: cargo's own wait ends with success after
 * its timeout even when the version is not visible yet.
 */
async function publishCrate(
  project: string,
  pkg: CargoPackage,
  options: CargoPublishOptions,
  index: SparseIndex,
  context: ExecutorContext,
): Promise<{ success: boolean; output: string }> {
  const cwd = join(context.root, options.cwd);
  const started = Date.now();
  const base = {
    project,
    name: pkg.name,
    version: pkg.version,
    ecosystem: 'cargo' as const,
    registry: options.registry,
  };
  const done = (record: Omit<PublishRecord, keyof typeof base | 'seconds'>, success: boolean, output: string) => {
    recordPublish({ ...base, ...record, seconds: (Date.now() - started) / 1000 });
    return { success, output };
  };
  try {
    if (await index.has(pkg.name, pkg.version)) {
      return done(
        { status: 'skipped', detail: 'already published' },
        true,
        `${pkg.name}@${pkg.version} is already in \`${options.registry}\`: skipped\n`,
      );
    }
    if (options.dryRun) {
      return done(
        { status: 'planned' },
        true,
        `${pkg.name}@${pkg.version} would be published to \`${options.registry}\` (dry run)\n`,
      );
    }
    // every registry of the run accepts its credentials, or nothing of any ecosystem is uploaded
    const denied = await checkRunCredentials(context);
    if (denied) return done({ status: 'failed', detail: credentialDetail(denied) }, false, denied);
    // another publish run uploading this crate right now: wait for it, then ask the index again
    const lock = publishLockFile(context.root, 'cargo', index.url, pkg.name, pkg.version);
    const waiting = (holder: string) =>
      process.stdout.write(
        `${pkg.name}@${pkg.version}: another publish run (${holder}) is uploading it; waiting for it\n`,
      );
    return await withPublishLock(lock, waiting, () => uploadCrate(pkg, options, index, cwd, done));
  } catch (e) {
    if (!(e instanceof RegistryError)) throw e;
    return done({ status: 'failed', detail: e.message }, false, `${e.message}\n`);
  }
}

/** Under the crate's lock: the index again, then cargo publish and the wait for the index. */
async function uploadCrate(
  pkg: CargoPackage,
  options: CargoPublishOptions,
  index: SparseIndex,
  cwd: string,
  done: (
    record: Omit<PublishRecord, 'project' | 'name' | 'version' | 'ecosystem' | 'registry' | 'seconds'>,
    success: boolean,
    output: string,
  ) => { success: boolean; output: string },
): Promise<{ success: boolean; output: string }> {
  try {
    if (await index.has(pkg.name, pkg.version)) {
      return done(
        { status: 'skipped', detail: 'already published' },
        true,
        `${pkg.name}@${pkg.version} is already in \`${options.registry}\` (another run published it meanwhile): skipped\n`,
      );
    }
    const uploadStart = Date.now();
    // a workspace's path + version dependencies point at crates.io once uploaded;
    // when the registry rehearses a crates.io release, cargo must find them here
    const standIn = options.replacesCratesIo
      ? [
          '--config',
          'source.crates-io.replace-with="nx-polyglot-stand-in"',
          '--config',
          `source.nx-polyglot-stand-in.registry="sparse+${index.url}"`,
        ]
      : [];
    const args = ['publish', '-p', pkg.name, '--registry', options.registry, ...standIn, ...(options.args ?? [])];
    const r = await runProcess('cargo', args, { cwd });
    if (r.exitCode !== 0) {
      // asking the index again tells "already there" and "registry down" apart from the rest
      let inIndex: boolean;
      try {
        inIndex = await index.has(pkg.name, pkg.version);
      } catch (e) {
        if (!(e instanceof RegistryError)) throw e;
        return done({ status: 'failed', detail: e.message }, false, `${r.output}${e.message}\n`);
      }
      if (inIndex) {
        return done(
          { status: 'skipped', detail: 'already published' },
          true,
          `${r.output}${pkg.name}@${pkg.version} is already in \`${options.registry}\`: skipped\n`,
        );
      }
      const said = r.output
        .split('\n')
        .filter((l) => /^(error|Caused by)|^\s{2}\S/.test(l))
        .join(' ')
        .trim();
      // a signal is what happened, whatever cargo managed to print before it
      const detail = r.signal
        ? `cargo publish ${howItEnded(r)}${said ? `: ${said}` : ''}`
        : said || `cargo publish ${howItEnded(r)}`;
      return done({ status: 'failed', detail, ...(r.signal ? { signal: r.signal } : {}) }, false, r.output);
    }
    const visibleAt = await index.waitUntilVisible(pkg.name, pkg.version, (options.visibilityTimeout ?? 120) * 1000);
    return done(
      { status: 'published', uploadStart, visibleAt },
      true,
      `${r.output}${pkg.name}@${pkg.version} is in \`${options.registry}\`'s index\n`,
    );
  } catch (e) {
    if (!(e instanceof RegistryError)) throw e;
    return done({ status: 'failed', detail: e.message }, false, `${e.message}\n`);
  }
}

/** `nx run <crate>:publish`: one crate. */
export default async function cargoPublish(
  options: CargoPublishOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  if (!options.registry) {
    process.stderr.write(NO_REGISTRY);
    return { success: false };
  }
  const ws = loadWorkspace(context.root, options.cwd);
  const blocked = blockerReport(ws, options.registry, context.root);
  if (blocked) {
    process.stderr.write(blocked);
    return { success: false };
  }
  const pkg = ws.members.find((m) => m.name === options.package) as CargoPackage;
  let index: SparseIndex;
  try {
    index = new SparseIndex(options.registry);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return { success: false };
  }
  const r = await publishCrate(context.projectName as string, pkg, options, index, context);
  process.stdout.write(r.output);
  return { success: r.success };
}

/**
 * `nx run-many -t publish`: every crate of the batch. Checks the whole plan
 * first (blockers, registry rate limit), prints it in waves, then uploads
 * each crate as soon as the crates it needs are in the index, a bounded
 * number at a time, reporting each task as it ends.
 */
export async function* cargoPublishBatch(
  taskGraph: TaskGraph,
  inputs: Record<string, CargoPublishOptions>,
  overrides: { dryRun?: boolean },
  context: ExecutorContext,
): AsyncGenerator<{ task: string; result: Result }> {
  const taskIds = Object.keys(taskGraph.tasks);
  const first = inputs[taskIds[0]];
  const options = { ...first, dryRun: first.dryRun ?? overrides?.dryRun };
  const startTime = Date.now();
  const failAll = function* (message: string) {
    process.stderr.write(message);
    for (const task of taskIds)
      yield { task, result: { success: false, terminalOutput: message, startTime, endTime: Date.now() } };
  };

  if (!options.registry) return yield* failAll(NO_REGISTRY);
  const ws = loadWorkspace(context.root, options.cwd);
  const blocked = blockerReport(ws, options.registry, context.root);
  if (blocked) return yield* failAll(blocked);
  let index: SparseIndex;
  try {
    index = new SparseIndex(options.registry);
  } catch (e) {
    return yield* failAll(`${(e as Error).message}\n`);
  }

  const crateOf = new Map(
    taskIds.map((id) => [id, ws.members.find((m) => m.name === inputs[id].package) as CargoPackage]),
  );
  const taskOf = new Map(taskIds.map((id) => [inputs[id].package, id]));
  let published: Map<string, boolean>;
  try {
    published = new Map(
      await Promise.all(
        taskIds.map(async (id) => [id, await index.has(crateOf.get(id)!.name, crateOf.get(id)!.version)] as const),
      ),
    );
  } catch (e) {
    return yield* failAll(`${(e as Error).message}\n`);
  }

  // the plan, in waves of crates that can go up together
  const constraints = publishConstraints(ws, options.registry);
  const inBatch = new Map(
    [...constraints].filter(([c]) => taskOf.has(c)).map(([c, deps]) => [c, deps.filter((d) => taskOf.has(d))]),
  );
  const waves = publishWaves(inBatch);
  const plan = waves
    .map((wave, i) => {
      const crates = wave.map(
        (c) =>
          `${c} ${crateOf.get(taskOf.get(c)!)!.version}${published.get(taskOf.get(c)!) ? ' (already published)' : ''}`,
      );
      return `  wave ${i + 1}: ${crates.join(', ')}`;
    })
    .join('\n');
  process.stdout.write(
    `Publish plan for the Cargo registry \`${options.registry}\` (${options.dryRun ? 'dry run, nothing is uploaded' : `up to ${options.maxParallel ?? 4} at a time`}):\n${plan}\n`,
  );

  const limits = options.rateLimit ?? (options.registry === 'crates-io' ? CRATES_IO_RATE_LIMIT : false);
  if (limits) {
    const newVersions = taskIds.filter((id) => !published.get(id));
    let newCrates = 0;
    for (const id of newVersions) if ((await index.versions(crateOf.get(id)!.name)).length === 0) newCrates++;
    const problem = rateLimitProblem(newVersions.length, newCrates, limits, options.registry);
    if (problem) return yield* failAll(`Nothing was published: ${problem}.\n`);
  }

  // before the first upload: every registry of the run (this one, the Python and npm ones) accepts its credentials
  if (!options.dryRun && taskIds.some((id) => !published.get(id))) {
    const denied = await checkRunCredentials(context);
    if (denied) {
      for (const id of taskIds.filter((t) => !published.get(t))) {
        const crate = crateOf.get(id)!;
        recordPublish({
          project: taskGraph.tasks[id].target.project,
          name: crate.name,
          version: crate.version,
          ecosystem: 'cargo',
          registry: options.registry,
          status: 'failed',
          detail: credentialDetail(denied),
          seconds: 0,
        });
      }
      return yield* failAll(denied);
    }
  }

  // upload each crate once its dependencies are done, a bounded number at a time
  const outcome = new Map<string, boolean>();
  const finished: Array<{ task: string; result: Result }> = [];
  let wake: () => void = () => {};
  const running = new Set<string>();
  const limit = Math.max(1, options.maxParallel ?? 4);
  // Nx 24 lists dependency edges ({ id }), Nx 23 task ids
  const depsOf = (id: string) =>
    ((taskGraph.dependencies[id] ?? []) as Array<string | { id: string }>)
      .map((d) => (typeof d === 'string' ? d : d.id))
      .filter((d) => taskGraph.tasks[d]);
  const start = (id: string) => {
    running.add(id);
    const crate = crateOf.get(id)!;
    const taskStart = Date.now();
    const failedDep = depsOf(id).find((d) => outcome.get(d) === false);
    const work = failedDep
      ? Promise.resolve({
          success: false,
          output: `${crate.name} was not published: ${crateOf.get(failedDep)!.name}, which it needs, was not.\n`,
        })
      : publishCrate(taskGraph.tasks[id].target.project, crate, options, index, context);
    void work.then((r) => {
      running.delete(id);
      outcome.set(id, r.success);
      process.stdout.write(r.output);
      finished.push({
        task: id,
        result: { success: r.success, terminalOutput: r.output, startTime: taskStart, endTime: Date.now() },
      });
      wake();
    });
  };
  while (outcome.size < taskIds.length) {
    for (const id of taskIds) {
      if (running.size >= limit) break;
      if (outcome.has(id) || running.has(id)) continue;
      if (depsOf(id).every((d) => outcome.has(d))) start(id);
    }
    if (finished.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    while (finished.length > 0) yield finished.shift()!;
  }
}
