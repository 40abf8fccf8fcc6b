import type { ProjectGraph } from '@nx/devkit';
import { join } from 'node:path';
import { IndexEntry, RegistryError, SparseIndex } from '../../cargo/sparse-index';
import type { FlowContext, StepResult } from './context';
import { leftAlone, nothingToChange, planRollback, YankTarget } from './rollback-plan';

/** Every crate `nx run-many -t yank` would yank: the projects' nx-polyglot:cargo-yank `yank` targets. */
export function yankTargetsOf(graph: ProjectGraph): YankTarget[] {
  return Object.values(graph.nodes).flatMap((node) => {
    const yank = node.data.targets?.yank;
    if (yank?.executor !== 'nx-polyglot:cargo-yank') return [];
    const o = (yank.options ?? {}) as { package?: string; cwd?: string; registry?: string };
    return [{ project: node.name, crate: o.package ?? node.name, cwd: o.cwd ?? '.', registry: o.registry }];
  });
}

/** The versions a crate's index lists: the one sparse-index client, configured where cargo would run. */
export type IndexLookup = (target: YankTarget & { registry: string }) => Promise<IndexEntry[]>;

const sparseIndexLookup =
  (root: string): IndexLookup =>
  (t) =>
    new SparseIndex(t.registry, process.env, undefined, join(root, t.cwd)).versions(t.crate);

/**
 * Yanks every crate of a version (--undo: un-yanks) that the registry has in
 * the other state, and says what cannot be undone by API. The indexes are
 * asked first, so a version never published is "nothing to yank" (success)
 * rather than one failed yank per crate, and the dry run says exactly that.
 */
export async function rollback(
  flow: FlowContext,
  options: { vers?: string; undo?: boolean },
  targets: YankTarget[],
  lookUp: IndexLookup = sparseIndexLookup(flow.root),
): Promise<StepResult> {
  const { log } = flow;
  const version = options.vers ?? flow.version;
  const undo = options.undo ?? false;
  const unconfigured = targets.filter((t) => !t.registry).map((t) => t.crate);
  if (unconfigured.length)
    return log.fail(
      `rollback: no Cargo registry is configured for ${unconfigured.join(', ')}: set publish.cargo.registry in the nx-polyglot plugin options. Nothing was yanked.`,
    );
  let found: Array<{ target: YankTarget; entry?: IndexEntry }>;
  try {
    found = await Promise.all(
      targets.map(async (target) => ({
        target,
        entry: (await lookUp(target as YankTarget & { registry: string })).find((e) => e.vers === version),
      })),
    );
  } catch (e) {
    if (e instanceof RegistryError) return log.fail(`rollback: ${e.message}. Nothing was yanked.`);
    throw e;
  }
  const plan = planRollback(version, undo, found);
  if (plan.change.length === 0) {
    log.say(nothingToChange(plan, flow.dryRun));
  } else {
    const r = await flow.run('npx', [
      'nx',
      'run-many',
      '-t',
      'yank',
      `--projects=${plan.change.map((t) => t.project).join(',')}`,
      `--vers=${version}`,
      ...(undo ? ['--undo'] : []),
      ...(flow.dryRun ? ['--dry-run'] : []),
      // each crate's line (yanked, or would be) is the answer: Nx must not fold it away
      '--output-style=static',
    ]);
    if (r.exitCode !== 0) return log.fail(`rollback: yanking ${version} failed (see above).`);
    if (plan.absent.length + plan.already.length) log.say(`Left alone: ${leftAlone(plan)}.`);
  }
  log.say(
    `\nWhat remains by hand: PyPI cannot yank through its API — yank ${version} of each Python package in the PyPI web UI (or delete it from a private index); ` +
      `deprecate npm versions with \`npm deprecate <name>@${version} "<why>"\`; say what happened in the release notes.`,
  );
  return { success: true };
}
