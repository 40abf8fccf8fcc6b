import type { ExecutorContext } from '@nx/devkit';
import { join } from 'node:path';
import { ManifestError } from '../manifest-error';
import { readCargoWorkspace } from '../publish/cargo-workspaces';
import { RegistryError } from '../publish/registry-error';
import type { CargoPackage } from '../cargo/cargo-workspace';
import { cratesOfTasks } from '../cargo/publish-plan';
import { SparseIndex } from '../cargo/sparse-index';
import { CargoResolution, prepareCargoResolution, repositoryCrates } from '../cargo/publish-resolution';
import { CargoPublishOptions, NO_REGISTRY, blockerReport, indexFor, publishCrate } from './cargo-publish-crate';
import { redact } from '../known-secrets';
import {
  currentTask,
  forwardedArgs,
  invokingCommandLines,
  lostDryRun,
  publishToolArgs,
  refusedArgsReport,
} from './forwarded-args';
import { CARGO_PUBLISH_ARGS } from './publish-args';

export type { CargoPublishOptions };
export { cargoPublishBatch } from './cargo-publish-batch';

/** `nx run <crate>:publish`: one crate. */
export default async function cargoPublish(
  given: CargoPublishOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  // what follows `--` goes to cargo publish, or nothing runs
  const extra = publishToolArgs(forwardedArgs(currentTask(context)), 'cargo publish', CARGO_PUBLISH_ARGS);
  if (extra.refused.length > 0) {
    process.stderr.write(redact(refusedArgsReport('cargo publish', extra.refused)));
    return { success: false };
  }
  const options = { ...given, args: [...(given.args ?? []), ...extra.args] };
  const lost = lostDryRun(invokingCommandLines(), options.dryRun);
  if (lost) {
    process.stderr.write(redact(lost));
    return { success: false };
  }
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
      process.stderr.write(redact(blocked));
      return { success: false };
    }
    pkg = cratesOfTasks([ws], [{ id: project, crate: options.package, rootManifest: ws.rootManifest }]).get(project)!;
    index = indexFor(options, context.root);
  } catch (e) {
    if (!(e instanceof RegistryError || e instanceof ManifestError)) throw e;
    process.stderr.write(redact(`${e.message}\n`));
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
      process.stderr.write(redact(prepared));
      return { success: false };
    }
    resolution = prepared;
  }
  try {
    const r = await publishCrate(project, pkg, options, index, context, resolution);
    process.stdout.write(redact(r.output));
    return { success: r.success };
  } finally {
    await resolution.close();
  }
}
