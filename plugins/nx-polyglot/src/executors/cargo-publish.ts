import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { join, relative } from 'node:path';
import { ManifestError } from '../manifest-error';
import { checkRunCredentials, credentialDetail } from '../publish/publish-credentials';
import { readCargoWorkspace } from '../publish/cargo-workspaces';
import { recordPublish } from '../publish/publish-log';
import { PublishResult, UploadOutcome, publishPackage } from '../publish/publish-package';
import { schedule } from '../publish/publish-scheduler';
import { RegistryError } from '../publish/registry-error';
import { howItEnded, runProcess } from '../run-process';
import type { CargoPackage, CargoWorkspace } from '../cargo/cargo-workspace';
import {
  CRATES_IO_RATE_LIMIT,
  asOneWorkspace,
  cratesOfTasks,
  publishBlockers,
  publishConstraints,
  publishWaves,
  rateLimitProblem,
} from '../cargo/publish-plan';
import { SparseIndex } from '../cargo/sparse-index';
import { CargoResolution, prepareCargoResolution, repositoryCrates } from '../cargo/publish-resolution';

export interface CargoPublishOptions {
  /** The Cargo workspace root, relative to the Nx workspace root. */
  cwd: string;
  package: string;
  /** The registry name (`--registry`); URL and token from CARGO_REGISTRIES_<NAME>_INDEX / _TOKEN. */
  registry: string;
  /** Resolve crates.io dependencies from this registry while publishing (see PublishOptions). */
  replacesCratesIo?: boolean;
  /** false: `cargo publish --no-verify` (`-- --no-verify` on the command line sets it for one run). */
  verify?: boolean;
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

/** Refuses a publish run that cargo would break half-way; nothing is uploaded. Only `crates` and what they need are checked. */
function blockerReport(
  workspaces: CargoWorkspace[],
  registry: string,
  root: string,
  crates: string[],
): string | undefined {
  const blockers = publishBlockers(workspaces, registry, crates);
  if (blockers.length === 0) return undefined;
  const lines = blockers.map((b) => `  - ${relative(root, b.file)}: \`${b.key}\`: ${b.problem}. ${b.fix}.`);
  return `Nothing was published: ${blockers.length} problem(s) would stop cargo publish part-way:\n${lines.join('\n')}\n`;
}

/** The index as cargo sees it from the crate's workspace (its .cargo/config.toml may name the registry). */
function indexFor(options: CargoPublishOptions, root: string): SparseIndex {
  return new SparseIndex(options.registry, process.env, undefined, join(root, options.cwd));
}

/**
 * Publishes one crate unless the registry already has its version, then
 * waits until the index shows it: cargo's own wait ends with success after
 * its timeout even when the version is not visible yet.
 */
function publishCrate(
  project: string,
  pkg: CargoPackage,
  options: CargoPublishOptions,
  index: SparseIndex,
  context: ExecutorContext,
  resolution: CargoResolution,
): Promise<PublishResult> {
  const label = `${pkg.name}@${pkg.version}`;
  const where = `\`${options.registry}\``;
  return publishPackage({
    id: { project, name: pkg.name, version: pkg.version, ecosystem: 'cargo', registry: options.registry },
    label,
    where,
    client: index,
    root: context.root,
    dryRun: options.dryRun,
    visibilityTimeoutMs: (options.visibilityTimeout ?? 120) * 1000,
    planned: () => ({ message: `${label} would be published to ${where} (dry run)\n` }),
    checkCredentials: () => checkRunCredentials(context),
    upload: () => uploadCrate(pkg, options, index, join(context.root, options.cwd), resolution),
  });
}

/** cargo publish of one crate; its output is collected (a batch reports it per crate). */
async function uploadCrate(
  pkg: CargoPackage,
  options: CargoPublishOptions,
  index: SparseIndex,
  cwd: string,
  resolution: CargoResolution,
): Promise<UploadOutcome> {
  const uploadStart = Date.now();
  // a workspace's path + version dependencies point at crates.io once uploaded;
  // when the registry rehearses a crates.io release, cargo finds them through
  // the rehearsal index (publish-resolution.ts), and the third-party crates too
  const noVerify = options.verify === false ? ['--no-verify'] : [];
  const args = ['publish', '-p', pkg.name, '--registry', options.registry, ...resolution.cargoArgs, ...noVerify];
  args.push(...(options.args ?? []));
  const r = await runProcess('cargo', args, { cwd });
  if (r.exitCode === 0) {
    return {
      status: 'uploaded',
      output: r.output,
      uploadStart,
      message: `${pkg.name}@${pkg.version} is in \`${options.registry}\`'s index\n`,
    };
  }
  const said = r.output
    .split('\n')
    .filter((l) => /^(error|Caused by)|^\s{2}\S/.test(l))
    .join(' ')
    .trim();
  return {
    status: 'failed',
    output: r.output,
    // a signal is what happened, whatever cargo managed to print before it
    detail: r.signal
      ? `cargo publish ${howItEnded(r)}${said ? `: ${said}` : ''}`
      : said || `cargo publish ${howItEnded(r)}`,
    ...(r.signal ? { signal: r.signal } : {}),
    message: '',
    // asking the index again tells "already there" and "registry down" apart from the rest
    mayBeThere: () => index.has(pkg.name, pkg.version),
  };
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
  const project = context.projectName as string;
  let pkg: CargoPackage;
  let index: SparseIndex;
  try {
    const ws = readCargoWorkspace(context.root, options.cwd);
    const blocked = blockerReport([ws], options.registry, context.root, [options.package]);
    if (blocked) {
      process.stderr.write(blocked);
      return { success: false };
    }
    pkg = cratesOfTasks([ws], [{ id: project, crate: options.package, rootManifest: ws.rootManifest }]).get(project)!;
    index = indexFor(options, context.root);
  } catch (e) {
    if (!(e instanceof RegistryError || e instanceof ManifestError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return { success: false };
  }
  // what cargo resolves the crate against, checked before the upload (not for a version already there)
  let resolution: CargoResolution = { cargoArgs: [], close: () => Promise.resolve() };
  if (!(await index.has(pkg.name, pkg.version).catch(() => false))) {
    const prepared = await prepareCargoResolution({
      ...options,
      configDir: join(context.root, options.cwd),
      root: context.root,
      uploads: [{ crate: pkg, workspace: readCargoWorkspace(context.root, options.cwd) }],
      ourCrates: repositoryCrates(context.projectGraph),
    });
    if (typeof prepared === 'string') {
      process.stderr.write(prepared);
      return { success: false };
    }
    resolution = prepared;
  }
  try {
    const r = await publishCrate(project, pkg, options, index, context, resolution);
    process.stdout.write(r.output);
    return { success: r.success };
  } finally {
    await resolution.close();
  }
}

/**
 * `nx run-many -t publish`: every crate of the batch, from every Cargo root
 * the tasks name (the workspace and standalone crates beside it). Checks the
 * plan first (blockers of what is published, registry rate limit), prints it
 * in waves across the roots, then uploads each crate as soon as the crates it
 * needs are in the index, a bounded number at a time, reporting each task as
 * it ends.
 */
export async function* cargoPublishBatch(
  taskGraph: TaskGraph,
  inputs: Record<string, CargoPublishOptions>,
  overrides: { dryRun?: boolean; verify?: boolean },
  context: ExecutorContext,
): AsyncGenerator<{ task: string; result: Result }> {
  const taskIds = Object.keys(taskGraph.tasks);
  const optionsOf = (id: string) => ({
    ...inputs[id],
    dryRun: inputs[id].dryRun ?? overrides?.dryRun,
    verify: inputs[id].verify ?? overrides?.verify,
  });
  const options = optionsOf(taskIds[0]);
  const startTime = Date.now();
  // the reason is printed once; each task's own output points at it
  const failAll = function* (message: string) {
    process.stderr.write(message);
    for (const task of taskIds) {
      const terminalOutput = `${inputs[task].package} was not published: the publish run stopped before any upload (see above).\n`;
      yield { task, result: { success: false, terminalOutput, startTime, endTime: Date.now() } };
    }
  };

  if (!options.registry) return yield* failAll(NO_REGISTRY);
  let crateOf: Map<string, CargoPackage>;
  let workspaces: CargoWorkspace[];
  const indexOf = new Map<string, SparseIndex>();
  try {
    const cwds = [...new Set(taskIds.map((id) => inputs[id].cwd))];
    const rootOf = new Map(cwds.map((cwd) => [cwd, readCargoWorkspace(context.root, cwd)]));
    workspaces = [...rootOf.values()];
    crateOf = cratesOfTasks(
      workspaces,
      taskIds.map((id) => ({ id, crate: inputs[id].package, rootManifest: rootOf.get(inputs[id].cwd)!.rootManifest })),
    );
    const blocked = blockerReport(
      workspaces,
      options.registry,
      context.root,
      taskIds.map((id) => inputs[id].package),
    );
    if (blocked) return yield* failAll(blocked);
    for (const cwd of cwds) indexOf.set(cwd, indexFor({ ...options, cwd }, context.root));
  } catch (e) {
    if (!(e instanceof RegistryError || e instanceof ManifestError)) throw e;
    return yield* failAll(`${e.message}\n`);
  }
  const index = (id: string) => indexOf.get(inputs[id].cwd)!;

  const taskOf = new Map(taskIds.map((id) => [crateOf.get(id)!.name, id]));
  let published: Map<string, boolean>;
  try {
    published = new Map(
      await Promise.all(
        taskIds.map(async (id) => [id, await index(id).has(crateOf.get(id)!.name, crateOf.get(id)!.version)] as const),
      ),
    );
  } catch (e) {
    return yield* failAll(`${(e as Error).message}\n`);
  }

  // the plan, in waves of crates that can go up together, across the Cargo roots
  const constraints = publishConstraints(asOneWorkspace(workspaces), options.registry);
  const inBatch = new Map(
    [...constraints].filter(([c]) => taskOf.has(c)).map(([c, deps]) => [c, deps.filter((d) => taskOf.has(d))]),
  );
  const plan = publishWaves(inBatch)
    .map((wave, i) => {
      const crates = wave.map((c) => {
        const id = taskOf.get(c)!;
        return `${c} ${crateOf.get(id)!.version}${published.get(id) ? ' (already published)' : ''}`;
      });
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
    for (const id of newVersions) if ((await index(id).versions(crateOf.get(id)!.name)).length === 0) newCrates++;
    const problem = rateLimitProblem(newVersions.length, newCrates, limits, options.registry);
    if (problem) return yield* failAll(`Nothing was published: ${problem}.\n`);
  }

  // every third-party dependency of what is uploaded resolves where cargo will look (dry run too)
  const uploads = taskIds.filter((id) => !published.get(id));
  let resolution: CargoResolution = { cargoArgs: [], close: () => Promise.resolve() };
  if (uploads.length > 0) {
    const workspaceOf = (id: string) => workspaces.find((w) => w.members.includes(crateOf.get(id)!))!;
    const prepared = await prepareCargoResolution({
      ...options,
      configDir: join(context.root, options.cwd),
      root: context.root,
      uploads: uploads.map((id) => ({ crate: crateOf.get(id)!, workspace: workspaceOf(id) })),
      ourCrates: repositoryCrates(context.projectGraph),
    });
    if (typeof prepared === 'string') return yield* failAll(prepared);
    resolution = prepared;
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
      await resolution.close();
      return yield* failAll(denied);
    }
  }

  // each crate once the tasks it depends on (Nx's dependsOn, and the plan's order) are done
  const dependsOn = (id: string) => [
    // Nx 24 lists dependency edges ({ id }), Nx 23 task ids
    ...((taskGraph.dependencies[id] ?? []) as Array<string | { id: string }>).map((d) =>
      typeof d === 'string' ? d : d.id,
    ),
    ...(inBatch.get(crateOf.get(id)!.name) ?? []).map((c) => taskOf.get(c)!),
  ];
  const run = (id: string) =>
    publishCrate(taskGraph.tasks[id].target.project, crateOf.get(id)!, optionsOf(id), index(id), context, resolution);
  const describe = (id: string) => crateOf.get(id)!.name;
  try {
    for await (const f of schedule({ tasks: taskIds, dependsOn }, run, {
      maxParallel: options.maxParallel ?? 4,
      describe,
    })) {
      process.stdout.write(f.result.output);
      const result = {
        success: f.result.success,
        terminalOutput: f.result.output,
        startTime: f.startTime,
        endTime: f.endTime,
      };
      yield { task: f.id, result };
    }
  } finally {
    await resolution.close();
  }
}
