/**
 * Runs the tasks of a DAG as their dependencies finish, a bounded number at
 * a time, and reports each as it ends: the order of a publish batch, where a
 * crate is uploaded as soon as the crates it needs are visible. Pure over the
 * DAG and the async `run`: a task whose dependency failed is not run (it
 * fails, naming the dependency), and a `run` that rejects is that task's
 * failure, never an unhandled rejection.
 */

export interface TaskDag {
  /** Every task, in the order to prefer among the ready ones. */
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
      finished.push({ id, result, startTime, endTime: Date.now() });
      wake();
    });
  };

  while (outcome.size < dag.tasks.length) {
    for (const id of dag.tasks) {
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
