import type { ExecutorContext } from '@nx/devkit';
import { join } from 'node:path';
import { pollUntil, visibilityTimeoutMs } from '../publish/poll';
import { RegistryError } from '../publish/registry-error';
import { relayToStdout, runProcess } from '../run-process';
import { SparseIndex } from '../cargo/sparse-index';
import { redact } from '../known-secrets';

export interface CargoYankOptions {
  /** The Cargo workspace root, relative to the Nx workspace root. */
  cwd: string;
  package: string;
  /** The version to yank: the crate's version on disk, or `--vers=<version>` (cargo's name: `--version` is Nx's own flag). */
  vers: string;
  registry?: string;
  /** Un-yank instead. */
  undo?: boolean;
  visibilityTimeout?: number;
  dryRun?: boolean;
}

/**
 * Rollback: yanks (or with --undo, un-yanks) one version of a crate from the
 * registry, skipping what is already in that state, and waits until the
 * index says so. `nx run-many -t yank --vers=0.12.0` yanks a release.
 */
export default async function cargoYank(
  options: CargoYankOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const say = (line: string) => process.stdout.write(redact(`${line}\n`));
  const fail = (line: string) => (process.stderr.write(redact(`${line}\n`)), { success: false });
  if (!options.registry)
    return fail('No Cargo registry is configured: set publish.cargo.registry in the nx-polyglot plugin options.');
  const { package: crate, vers: version, registry } = options;
  const want = !options.undo;
  try {
    // cargo runs in the workspace: its .cargo/config.toml may name the registry
    const index = new SparseIndex(registry, process.env, undefined, join(context.root, options.cwd));
    const entry = (await index.versions(crate)).find((e) => e.vers === version);
    if (!entry) return fail(`${crate}@${version} is not in \`${registry}\`: nothing to ${want ? 'yank' : 'un-yank'}.`);
    if (entry.yanked === want) {
      say(`${crate}@${version} is already ${want ? 'yanked' : 'not yanked'} in \`${registry}\`: skipped`);
      return { success: true };
    }
    if (options.dryRun) {
      say(`${crate}@${version} would be ${want ? 'yanked' : 'un-yanked'} in \`${registry}\` (dry run)`);
      return { success: true };
    }
    const args = ['yank', crate, '--version', version, '--registry', registry, ...(want ? [] : ['--undo'])];
    const r = await runProcess('cargo', args, {
      cwd: join(context.root, options.cwd),
      onOutput: relayToStdout,
    });
    if (r.exitCode !== 0) return fail(`cargo yank of ${crate}@${version} failed (see above).`);
    const shown = await pollUntil(
      async () => (await index.versions(crate)).find((e) => e.vers === version)?.yanked === want,
      { timeoutMs: visibilityTimeoutMs(options.visibilityTimeout), intervalMs: 200 },
    );
    if (shown === undefined)
      return fail(
        `${crate}@${version}: the index of \`${registry}\` (${index.url}) does not show the change yet; check the registry.`,
      );
    say(`${crate}@${version} is ${want ? 'yanked' : 'un-yanked'} in \`${registry}\``);
    return { success: true };
  } catch (e) {
    if (e instanceof RegistryError) return fail(e.message);
    throw e;
  }
}
