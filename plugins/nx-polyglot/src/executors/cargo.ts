import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { join } from 'node:path';
import { runProcess } from '../run-process';
import { CrateOutcome, CrateRef, runCargoBatch } from './cargo-batch';

export interface CargoOptions {
  /** The Cargo workspace root, relative to the Nx workspace root. */
  cwd: string;
  /** The cargo subcommand and its leading arguments. */
  command: string[];
  package: string;
  args?: string[];
}

/** One crate, one cargo process (`nx run <crate>:<target>`). */
export default async function cargo(options: CargoOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const args = [...options.command, '-p', options.package, ...(options.args ?? [])];
  const result = await runProcess('cargo', args, { cwd: join(context.root, options.cwd), onOutput: (c) => process.stdout.write(c) });
  if (result.exitCode === 127) process.stderr.write(result.output);
  return { success: result.exitCode === 0 };
}

/**
 * Many crates at once (`nx run-many`). Cargo serialises on its target
 * directory lock, so one cargo process per command builds every selected
 * crate with full parallelism instead of N processes queueing on the lock;
 * each task still gets its own result and output for Nx's cache.
 */
export async function cargoBatch(
  taskGraph: TaskGraph,
  inputs: Record<string, CargoOptions>,
  _overrides: unknown,
  context: ExecutorContext,
): Promise<Record<string, { success: boolean; terminalOutput: string; startTime: number; endTime: number }>> {
  const groups = new Map<string, string[]>();
  for (const taskId of Object.keys(taskGraph.tasks)) {
    const o = inputs[taskId];
    const key = JSON.stringify([o.cwd, o.command, o.args ?? []]);
    groups.set(key, [...(groups.get(key) ?? []), taskId]);
  }
  const results: Awaited<ReturnType<typeof cargoBatch>> = {};
  for (const taskIds of groups.values()) {
    const first = inputs[taskIds[0]];
    const crates: CrateRef[] = taskIds.map((id) => {
      const project = taskGraph.tasks[id].target.project;
      return { name: inputs[id].package, dir: join(context.root, context.projectsConfigurations.projects[project].root), project };
    });
    const dependsOn = (crate: CrateRef, failedProject: string) => reaches(context, crate.project, failedProject);
    const startTime = Date.now();
    const outcomes: Map<string, CrateOutcome> = await runCargoBatch(
      { cwd: join(context.root, first.cwd), command: first.command, args: first.args ?? [] },
      crates,
      dependsOn,
    );
    const endTime = Date.now();
    taskIds.forEach((id, i) => {
      const outcome = outcomes.get(crates[i].name) as CrateOutcome;
      results[id] = { success: outcome.success, terminalOutput: outcome.output, startTime, endTime };
    });
  }
  return results;
}

/** Whether `from` depends, directly or not, on `to` in the project graph. */
function reaches(context: ExecutorContext, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const current = stack.pop() as string;
    for (const dep of context.projectGraph.dependencies[current] ?? []) {
      if (dep.target === to) return true;
      if (!seen.has(dep.target)) {
        seen.add(dep.target);
        stack.push(dep.target);
      }
    }
  }
  return false;
}
