import type { ExecutorContext } from '@nx/devkit';
import { join, relative } from 'node:path';
import { checkRunCredentials } from '../publish/publish-credentials';
import { PublishResult, UploadOutcome, publishPackage } from '../publish/publish-package';
import { howItEnded, runProcess } from '../run-process';
import type { CargoPackage, CargoWorkspace } from '../cargo/cargo-workspace';
import { publishBlockers } from '../cargo/publish-plan';
import { SparseIndex } from '../cargo/sparse-index';
import type { CargoResolution } from '../cargo/publish-resolution';
import { visibilityTimeoutMs } from '../publish/poll';

/** One crate's publish: the options, the checks before it, its upload command (the single and the batch executor share it). */

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

export const NO_REGISTRY =
  'No Cargo registry is configured for publishing: set "publish": { "cargo": { "registry": "<name>" } } in the nx-polyglot plugin options in nx.json (crates-io for crates.io), with CARGO_REGISTRIES_<NAME>_INDEX and _TOKEN in the environment.\n';

/**
 * Refuses a publish run that cargo would break half-way; nothing is uploaded.
 * Only `crates` and what they need are checked, and every problem is listed
 * at once, so one round of fixes is enough.
 */
export function blockerReport(
  workspaces: CargoWorkspace[],
  registry: string,
  root: string,
  crates: string[],
): string | undefined {
  const blockers = publishBlockers(workspaces, registry, crates, root);
  if (blockers.length === 0) return undefined;
  const hit = new Set(blockers.map((b) => b.file)).size;
  const lines = blockers.map((b) => `  - ${relative(root, b.file)}: \`${b.key}\`: ${b.problem}. ${b.fix}.`);
  return `Nothing was published: ${blockers.length} problem(s) in ${hit} crate(s) would stop cargo publish part-way (all listed):\n${lines.join('\n')}\n`;
}

/** The index as cargo sees it from the crate's workspace (its .cargo/config.toml may name the registry). */
export function indexFor(options: CargoPublishOptions, root: string): SparseIndex {
  return new SparseIndex(options.registry, process.env, undefined, join(root, options.cwd));
}

/**
 * Publishes one crate unless the registry already has its version, then
 * waits until the index shows it: cargo's own wait ends with success after
 * its timeout even when the version is not visible yet.
 */
export function publishCrate(
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
    visibilityTimeoutMs: visibilityTimeoutMs(options.visibilityTimeout),
    planned: () => ({
      message: `${label} would be published to ${where}${options.args?.length ? ` with \`${options.args.join(' ')}\`` : ''} (dry run)\n`,
    }),
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
