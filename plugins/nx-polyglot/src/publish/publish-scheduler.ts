/**
 * Runs the tasks of a DAG as their dependencies finish, a bounded number at
 * a time, and reports each as it ends: the order of a publish batch, where a
 * crate is uploaded as soon as the crates it needs are visible. Among the
 * ready tasks, the one with the longest chain of tasks waiting on it goes
 * first: uploads of one Cargo workspace queue on cargo's build lock for their
 * verification builds, so a leaf crate started first delays the whole
 * critical path by its build. Pure over the
 * DAG and the async `run`: a task whose dependency failed is not run (it
 * fails, naming the dependency), and a `run` that rejects is that task's
 * failure, never an unhandled rejection.
 */

export interface TaskDag {
  /** Every task, in the order to prefer among ready ones with equally long chains of dependents. */
  tasks: string[];
  /** The tasks that must succeed first (ones outside `tasks` are ignored). */
  dependsOn: (id: string) => string[];
}

export interface TaskOutcome {
  success: boolean;
  output: string;
}

export interface Finished<R extends TaskOutcome> {
  id: string;
  result: R | TaskOutcome;
  startTime: number;
  endTime: number;
  /** The dependency whose failure kept this task from running (it was never run). */
  blockedBy?: string;
}

export interface ScheduleOptions {
  maxParallel: number;
  /** How messages name a task (a crate name rather than its Nx task id). */
  describe?: (id: string) => string;
}

export async function* schedule<R extends TaskOutcome>(
  dag: TaskDag,
  run: (id: string) => Promise<R>,
  options: ScheduleOptions,
): AsyncGenerator<Finished<R>> {
  const name = options.describe ?? ((id: string) => id);
  const known = new Set(dag.tasks);
  const deps = new Map(dag.tasks.map((id) => [id, dag.dependsOn(id).filter((d) => known.has(d) && d !== id)]));
  const limit = Math.max(1, options.maxParallel);
  const order = criticalFirst(dag.tasks, deps);
  const outcome = new Map<string, boolean>();
  const running = new Set<string>();
  const finished: Array<Finished<R>> = [];
  let wake: () => void = () => {};

  const start = (id: string) => {
    running.add(id);
    const startTime = Date.now();
    const failedDep = deps.get(id)!.find((d) => outcome.get(d) === false);
    const work: Promise<R | TaskOutcome> = failedDep
      ? Promise.resolve({
          success: false,
          output: `${name(id)} was not published: ${name(failedDep)}, which it needs, was not.\n`,
        })
      : run(id).catch((e: unknown) => ({
          success: false,
          output: `${name(id)} failed: ${e instanceof Error ? e.message : String(e)}\n`,
        }));
    void work.then((result) => {
      running.delete(id);
      outcome.set(id, result.success);
      finished.push({ id, result, startTime, endTime: Date.now(), ...(failedDep ? { blockedBy: failedDep } : {}) });
      wake();
    });
  };

  while (outcome.size < dag.tasks.length) {
    for (const id of order) {
      if (running.size >= limit) break;
      if (outcome.has(id) || running.has(id)) continue;
      if (deps.get(id)!.every((d) => outcome.has(d))) start(id);
    }
    if (finished.length === 0) {
      if (running.size === 0) {
        // nothing runs and nothing can start: the rest wait on each other
        const stuck = dag.tasks.filter((id) => !outcome.has(id));
        throw new Error(`These tasks depend on each other in a cycle: ${stuck.map(name).join(', ')}`);
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
    while (finished.length > 0) yield finished.shift()!;
  }
}

/**
 * `tasks` by the length of the longest chain of tasks that depend on each,
 * longest first, stable among equals. A cycle counts once (it is refused
 * when scheduling reaches it).
 */
export function criticalFirst(tasks: string[], deps: Map<string, string[]>): string[] {
  const dependents = new Map(tasks.map((id) => [id, [] as string[]]));
  for (const [id, ds] of deps) for (const d of ds) dependents.get(d)?.push(id);
  const chain = new Map<string, number>();
  const visiting = new Set<string>();
  const length = (id: string): number => {
    const known = chain.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const n = 1 + Math.max(0, ...dependents.get(id)!.map(length));
    visiting.delete(id);
    chain.set(id, n);
    return n;
  };
  return tasks
    .map((id, i) => ({ id, i, n: length(id) }))
    .sort((a, b) => b.n - a.n || a.i - b.i)
    .map((t) => t.id);
}
