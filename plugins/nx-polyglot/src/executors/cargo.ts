import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { join } from 'node:path';
import { relayToStdout, runProcess } from '../run-process';
import { CrateRef, cargoBatchOutcomes } from './cargo-batch';
import { forwardArgs, forwardedArgs } from './forwarded-args';
import { redact } from '../known-secrets';
import { targetOf, unknownConfiguredOptions, unknownOptionsMessage } from './configured-options';

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
  const unknown = unknownConfiguredOptions('cargo', context.target, context.configurationName);
  if (unknown.length) {
    process.stderr.write(
      redact(unknownOptionsMessage('cargo', context.projectName ?? '', context.targetName ?? '', unknown)),
    );
    return { success: false };
  }
  const task = Object.values(context.taskGraph?.tasks ?? {}).find(
    (t) => t.target.project === context.projectName && t.target.target === context.targetName,
  );
  const args = [
    ...options.command,
    '-p',
    options.package,
    ...forwardArgs(options.command, options.args ?? [], forwardedArgs(task)),
  ];
  const result = await runProcess('cargo', args, {
    cwd: join(context.root, options.cwd),
    onOutput: relayToStdout,
  });
  if (result.exitCode === 127) process.stderr.write(redact(result.output));
  return { success: result.exitCode === 0 };
}

type TaskResult = { success: boolean; terminalOutput: string; startTime: number; endTime: number };

/**
 * Many crates at once (`nx run-many`). Cargo serialises on its target
 * directory lock, so one cargo process per command builds every selected
 * crate with full parallelism instead of N processes queueing on the lock;
 * each task still gets its own result and output for Nx's cache. Results are
 * yielded as each crate's is known, and cargo's output is written as it comes,
 * so Nx shows progress and failures live.
 */
export async function* cargoBatch(
  taskGraph: TaskGraph,
  inputs: Record<string, CargoOptions>,
  _overrides: unknown,
  context: ExecutorContext,
): AsyncGenerator<{ task: string; result: TaskResult }> {
  const groups = new Map<string, string[]>();
  const refused = new Set<string>();
  for (const [taskId, { target }] of Object.entries(taskGraph.tasks)) {
    const unknown = unknownConfiguredOptions(
      'cargo',
      targetOf(context, target.project, target.target),
      target.configuration,
    );
    if (unknown.length === 0) continue;
    const now = Date.now();
    const message = unknownOptionsMessage('cargo', target.project, target.target, unknown);
    process.stderr.write(redact(message));
    yield { task: taskId, result: { success: false, terminalOutput: message, startTime: now, endTime: now } };
    refused.add(taskId);
  }
  const argsOf = (id: string) =>
    forwardArgs(inputs[id].command, inputs[id].args ?? [], forwardedArgs(taskGraph.tasks[id]));
  for (const taskId of Object.keys(taskGraph.tasks).filter((id) => !refused.has(id))) {
    const key = JSON.stringify([inputs[taskId].cwd, inputs[taskId].command, argsOf(taskId)]);
    groups.set(key, [...(groups.get(key) ?? []), taskId]);
  }
  // not relayToStdout: diagnostics are decoded from cargo's JSON messages, so searched again
  const live = (chunk: string) => process.stdout.write(redact(chunk));
  for (const taskIds of groups.values()) {
    const first = inputs[taskIds[0]];
    const crates: CrateRef[] = taskIds.map((id) => {
      const project = taskGraph.tasks[id].target.project;
      return {
        name: inputs[id].package,
        dir: join(context.root, context.projectsConfigurations.projects[project].root),
        project,
      };
    });
    const taskOf = new Map(crates.map((c, i) => [c.name, taskIds[i]]));
    const dependsOn = (crate: CrateRef, failedProject: string) => reaches(context, crate.project, failedProject);
    const startTime = Date.now();
    const invocation = { cwd: join(context.root, first.cwd), command: first.command, args: argsOf(taskIds[0]) };
    for await (const [name, outcome] of cargoBatchOutcomes(invocation, crates, dependsOn, undefined, live)) {
      yield {
        task: taskOf.get(name) as string,
        result: { success: outcome.success, terminalOutput: outcome.output, startTime, endTime: Date.now() },
      };
    }
  }
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
