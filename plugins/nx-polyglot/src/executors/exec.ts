import type { ExecutorContext } from '@nx/devkit';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { relayToStdout, runProcess } from '../run-process';
import { forwardedArgs } from './forwarded-args';
import { redact } from '../known-secrets';
import { unknownConfiguredOptions, unknownOptionsMessage } from './configured-options';

export interface ExecOptions {
  /** Program and arguments; run without a shell. */
  argv: string[];
  /** Directory to run in, relative to the workspace root. */
  cwd: string;
  /** A directory (relative to cwd) emptied first, so stale artifacts never reach the cache. */
  cleanDirectory?: string;
}

/** Runs one program with its arguments in a project directory. */
export default async function exec(options: ExecOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const unknown = unknownConfiguredOptions('exec', context.target, context.configurationName);
  if (unknown.length) {
    process.stderr.write(
      redact(unknownOptionsMessage('exec', context.projectName ?? '', context.targetName ?? '', unknown)),
    );
    return { success: false };
  }
  const cwd = join(context.root, options.cwd);
  if (options.cleanDirectory) rmSync(join(cwd, options.cleanDirectory), { recursive: true, force: true });
  // `nx run pkg:test -- -k slow`: what the user typed after `--` goes to the program
  const task = Object.values(context.taskGraph?.tasks ?? {}).find(
    (t) => t.target.project === context.projectName && t.target.target === context.targetName,
  );
  const [file, ...args] = [...options.argv, ...forwardedArgs(task)];
  const result = await runProcess(file, args, { cwd, onOutput: relayToStdout });
  if (result.exitCode === 127) process.stderr.write(redact(result.output));
  return { success: result.exitCode === 0 };
}
