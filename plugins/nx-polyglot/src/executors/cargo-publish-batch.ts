import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { join } from 'node:path';
import { ManifestError } from '../manifest-error';
import { checkRunCredentials, credentialDetail } from '../publish/publish-credentials';
import { readCargoWorkspace } from '../publish/cargo-workspaces';
import { recordPublish } from '../publish/publish-log';
import { schedule } from '../publish/publish-scheduler';
import { RegistryError } from '../publish/registry-error';
import type { CargoPackage, CargoWorkspace } from '../cargo/cargo-workspace';
import {
  CRATES_IO_RATE_LIMIT,
  asOneWorkspace,
  cratesOfTasks,
  publishConstraints,
  publishWaves,
  rateLimitProblem,
} from '../cargo/publish-plan';
import { SparseIndex } from '../cargo/sparse-index';
import { CargoResolution, prepareCargoResolution, repositoryCrates } from '../cargo/publish-resolution';
import { CargoPublishOptions, NO_REGISTRY, blockerReport, indexFor, publishCrate } from './cargo-publish-crate';
import { redact } from '../known-secrets';
import { invokingCommandLines, lostDryRun, publishToolArgs, refusedArgsReport } from './forwarded-args';
import { CARGO_PUBLISH_ARGS } from './publish-args';

type Result = { success: boolean; terminalOutput: string; startTime: number; endTime: number };

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
  overrides: { dryRun?: boolean; verify?: boolean; __overrides_unparsed__?: string[] },
  context: ExecutorContext,
): AsyncGenerator<{ task: string; result: Result }> {
  const taskIds = Object.keys(taskGraph.tasks);
  // what follows `--` on the command line, for every crate of the run (Nx gives it to the batch, not to each dependency task)
  const extra = publishToolArgs(overrides?.__overrides_unparsed__ ?? [], 'cargo publish', CARGO_PUBLISH_ARGS);
  const optionsOf = (id: string) => ({
    ...inputs[id],
    dryRun: inputs[id].dryRun ?? overrides?.dryRun,
    verify: inputs[id].verify ?? overrides?.verify,
    args: [...(inputs[id].args ?? []), ...extra.args],
  });
  const options = optionsOf(taskIds[0]);
  const startTime = Date.now();
  // the reason is printed once; each task's own output points at it
  const failAll = function* (message: string) {
    process.stderr.write(redact(message));
    for (const task of taskIds) {
      const terminalOutput = `${inputs[task].package} was not published: the publish run stopped before any upload (see above).\n`;
      yield { task, result: { success: false, terminalOutput, startTime, endTime: Date.now() } };
    }
  };

  if (extra.refused.length > 0) return yield* failAll(refusedArgsReport('cargo publish', extra.refused));
  const lost = lostDryRun(invokingCommandLines(), options.dryRun);
  if (lost) return yield* failAll(lost);
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
  // a dry run shows the plan even when no registry runs: what it already has is then unknown
  let unreachable: string | undefined;
  try {
    published = new Map(
      await Promise.all(
        taskIds.map(async (id) => [id, await index(id).has(crateOf.get(id)!.name, crateOf.get(id)!.version)] as const),
      ),
    );
  } catch (e) {
    if (!(options.dryRun && e instanceof RegistryError)) return yield* failAll(`${(e as Error).message}\n`);
    unreachable = e.message.split('\n')[0].replace(/\. .*$|\.$/, '');
    published = new Map(taskIds.map((id) => [id, false]));
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
    redact(
      `Publish plan for the Cargo registry \`${options.registry}\` (${options.dryRun ? 'dry run, nothing is uploaded' : `up to ${options.maxParallel ?? 4} at a time`}):\n${plan}\n` +
        (unreachable
          ? `${unreachable}: which of these it has already, its rate limit and where third-party dependencies resolve are not checked.\n`
          : ''),
    ),
  );

  const limits = options.rateLimit ?? (options.registry === 'crates-io' ? CRATES_IO_RATE_LIMIT : false);
  if (limits && !unreachable) {
    const newVersions = taskIds.filter((id) => !published.get(id));
    let newCrates = 0;
    for (const id of newVersions) if ((await index(id).versions(crateOf.get(id)!.name)).length === 0) newCrates++;
    const problem = rateLimitProblem(newVersions.length, newCrates, limits, options.registry);
    if (problem) return yield* failAll(`Nothing was published: ${problem}.\n`);
  }

  // every third-party dependency of what is uploaded resolves where cargo will look (dry run too)
  const uploads = taskIds.filter((id) => !published.get(id));
  let resolution: CargoResolution = { cargoArgs: [], close: () => Promise.resolve() };
  if (uploads.length > 0 && !unreachable) {
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
      process.stdout.write(redact(f.result.output));
      // a crate never tried is in the log too: the summary and a later failure's "so far" line count it
      if (f.blockedBy) {
        const crate = crateOf.get(f.id)!;
        recordPublish({
          project: taskGraph.tasks[f.id].target.project,
          name: crate.name,
          version: crate.version,
          ecosystem: 'cargo',
          registry: options.registry,
          status: 'failed',
          detail: `not tried: ${describe(f.blockedBy)}, which it needs, was not published`,
          seconds: 0,
        });
      }
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
