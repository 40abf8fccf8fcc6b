import { constants as osConstants } from 'node:os';

/** The one place processes are started: argument arrays, never a shell. */
export interface ProcessResult {
  exitCode: number;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
  /** The signal that ended the process (e.g. SIGKILL); exitCode is then 128 + its number, as a shell reports it. */
  signal?: NodeJS.Signals;
}

/** How a process ended, for messages and the publish log: "exited with 1", "was killed by SIGKILL". */
export function howItEnded(r: ProcessResult): string {
  return r.signal ? `was killed by ${r.signal}` : `exited with ${r.exitCode}`;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Called with each chunk of output as it arrives (to show progress live). */
  onOutput?: (chunk: string) => void;
  /** Only stdout lines (for JSON message streams); stderr still goes to onOutput. */
  onStdoutLine?: (line: string) => void;
  /** Only stderr chunks (progress and errors beside a JSON stdout). */
  onStderr?: (chunk: string) => void;
  /** Called with the process id once it is started (the bump journal notes the tools it runs). */
  onSpawn?: (pid: number) => void;
}

export async function runProcess(file: string, args: string[], options: RunOptions): Promise<ProcessResult> {
  // execa is ESM-only; a dynamic import keeps this CommonJS package loadable by Nx.
  const { execa } = await import('execa');
  const child = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    reject: false,
    all: true,
    stdin: 'ignore',
    stripFinalNewline: false,
  });
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  if (options.onStdoutLine) {
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      lines.forEach((l) => options.onStdoutLine!(l));
    });
    child.stdout?.on('end', () => pending && options.onStdoutLine!(pending));
  }
  if (options.onOutput) child.all?.on('data', (chunk: Buffer) => options.onOutput!(chunk.toString()));
  if (options.onStderr) child.stderr?.on('data', (chunk: Buffer) => options.onStderr!(chunk.toString()));
  const result = await child;
  const output = typeof result.all === 'string' ? result.all : '';
  if (result.signal) {
    // what the process said before it was killed, and the signal itself (not a made-up exit code)
    const signal = result.signal as NodeJS.Signals;
    const line = `\`${file}\` was killed by ${signal}`;
    return {
      exitCode: 128 + (osConstants.signals[signal] ?? 0),
      signal,
      output: `${output}${output && !output.endsWith('\n') ? '\n' : ''}${line}\n`,
    };
  }
  if (result.failed && result.exitCode === undefined) {
    const reason =
      (result as { code?: string }).code === 'ENOENT'
        ? `\`${file}\` is not installed or not on PATH`
        : result.shortMessage;
    return { exitCode: 127, output: `${reason}\n` };
  }
  return { exitCode: result.exitCode ?? 1, output };
}
