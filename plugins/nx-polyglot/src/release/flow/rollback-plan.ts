/**
 * What a rollback would change, decided from the registries' indexes before
 * anything is yanked: a crate whose version was never published, or is
 * already in the wanted state, has nothing to yank — a fine answer, not a
 * failure.
 */

/** One crate's `yank` target (nx-polyglot:cargo-yank), as `nx run-many -t yank` would run it. */
export interface YankTarget {
  project: string;
  crate: string;
  /** the Cargo workspace root, relative to the workspace root (cargo's config is read from there) */
  cwd: string;
  registry?: string;
}

export interface RollbackPlan {
  version: string;
  undo: boolean;
  /** to yank (or un-yank) */
  change: YankTarget[];
  /** already yanked (or, undoing, not yanked) */
  already: YankTarget[];
  /** the index has no such version: never published there */
  absent: YankTarget[];
}

/** Sorts each crate by what its index says about `version` (undefined: no such entry). */
export function planRollback(
  version: string,
  undo: boolean,
  found: Array<{ target: YankTarget; entry?: { yanked: boolean } }>,
): RollbackPlan {
  const plan: RollbackPlan = { version, undo, change: [], already: [], absent: [] };
  const byProject = [...found].sort((a, b) => (a.target.project < b.target.project ? -1 : 1));
  for (const { target, entry } of byProject) {
    if (!entry) plan.absent.push(target);
    else if (entry.yanked === !undo) plan.already.push(target);
    else plan.change.push(target);
  }
  return plan;
}

const verb = (plan: RollbackPlan) => (plan.undo ? 'un-yank' : 'yank');

/** "never published to `local`: a, b; already yanked in `local`: c" — the crates left alone, by registry. */
export function leftAlone(plan: RollbackPlan): string {
  const groups = (targets: YankTarget[], what: string) => {
    const byRegistry = new Map<string, string[]>();
    for (const t of targets) byRegistry.set(t.registry ?? '', [...(byRegistry.get(t.registry ?? '') ?? []), t.crate]);
    return [...byRegistry].map(([registry, crates]) => `${what} \`${registry}\`: ${crates.join(', ')}`);
  };
  return [
    ...groups(plan.absent, 'never published to'),
    ...groups(plan.already, plan.undo ? 'not yanked in' : 'already yanked in'),
  ].join('; ');
}

/** The line of a rollback with nothing to change: what it yanks (nothing) and why. */
export function nothingToChange(plan: RollbackPlan, dryRun: boolean): string {
  const who = dryRun ? 'rollback (dry run)' : 'rollback';
  const head = `${who}: nothing to ${verb(plan)} for ${plan.version}`;
  if (plan.absent.length + plan.already.length === 0) return `${head}: no project has a yank target.`;
  if (plan.already.length === 0) {
    const registries = [...new Set(plan.absent.map((t) => `\`${t.registry ?? ''}\``))].join(', ');
    const crates = plan.absent.map((t) => t.crate).join(', ');
    return `${head} — it was never published: no crate has ${plan.version} in ${registries} (${crates}).`;
  }
  return `${head} — ${leftAlone(plan)}.`;
}
