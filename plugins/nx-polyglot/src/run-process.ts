import { ChildProcess, spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { SecretFilter } from './known-secrets';

/** The one place processes are started: argument arrays, never a shell. */
export interface ProcessResult {
  exitCode: number;
  /** stdout and stderr interleaved as they arrived, every known secret replaced by `***` (known-secrets.ts). */
  output: string;
  /** The signal that ended the process (e.g. SIGKILL); exitCode is then 128 + its number, as a shell reports it. */
  signal?: NodeJS.Signals;
}

/**
 * Shows a runProcess callback's text on stdout as it arrives. That text is
 * already filtered (known-secrets.ts), so it is not searched again: this is
 * the hot path of every build's live output.
 */
export function relayToStdout(chunk: string): void {
  // eslint-disable-next-line no-restricted-syntax -- runProcess hid the secrets before any callback saw the text
  process.stdout.write(chunk);
}

/** How a process ended, for messages and the publish log: "exited with 1", "was killed by SIGKILL". */
export function howItEnded(r: ProcessResult): string {
  return r.signal ? `was killed by ${r.signal}` : `exited with ${r.exitCode}`;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Called with each chunk of output as it arrives (to show progress live); like every callback here, secrets hidden. */
  onOutput?: (chunk: string) => void;
  /** Only stdout lines (for JSON message streams); stderr still goes to onOutput. */
  onStdoutLine?: (line: string) => void;
  /** Only stderr chunks (progress and errors beside a JSON stdout). */
  onStderr?: (chunk: string) => void;
  /** Called with the process id once it is started (the bump journal notes the tools it runs). */
  onSpawn?: (pid: number) => void;
}

/**
 * Runs `file` with `args`; `env` adds to (or, with `undefined`, removes from)
 * this process's environment. Built on `node:child_process` directly: a batch
 * of cargo tasks starts a process per crate from a short-lived Nx worker, and
 * loading execa there cost ~150 ms of CPU per worker, more than the spawns.
 */
export function runProcess(file: string, args: string[], options: RunOptions): Promise<ProcessResult> {
  const env = { ...process.env };
  for (const [key, value] of Object.entries(options.env ?? {}))
    if (value === undefined) delete env[key];
    else env[key] = value;
  const child = spawn(file, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  endWithThisProcess(child);
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  // stdout and stderr interleaved as they arrive, as one text; its secrets are hidden once it is whole, so
  // that a stream's held-back end (a possible start of a secret) cannot land after the other stream's text
  let raw = '';
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  // a registry may echo the token it was sent, and the tool print it: hidden before anything sees the output
  const filters = { stdout: new SecretFilter(env), stderr: new SecretFilter(env) };
  let pending = '';
  const onStdout = (text: string) => {
    if (options.onStdoutLine) {
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      lines.forEach((l) => options.onStdoutLine!(l));
    }
    options.onOutput?.(text);
  };
  const onStderr = (text: string) => {
    options.onOutput?.(text);
    options.onStderr?.(text);
  };
  child.stdout.on('data', (chunk: Buffer) => {
    const decoded = decoders.stdout.write(chunk);
    raw += decoded;
    const text = filters.stdout.write(decoded);
    if (text) onStdout(text);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    const decoded = decoders.stderr.write(chunk);
    raw += decoded;
    const text = filters.stderr.write(decoded);
    if (text) onStderr(text);
  });
  return new Promise((resolve) => {
    let spawnError: NodeJS.ErrnoException | undefined;
    child.on('error', (e: NodeJS.ErrnoException) => (spawnError = e));
    // 'close': the process has ended and both pipes are drained
    child.on('close', (code, signal) => {
      const outEnd = decoders.stdout.end();
      const errEnd = decoders.stderr.end();
      raw += outEnd + errEnd;
      const output = filters.stdout.hideAll(raw);
      const outTail = filters.stdout.write(outEnd) + filters.stdout.end();
      if (outTail) onStdout(outTail);
      const errTail = filters.stderr.write(errEnd) + filters.stderr.end();
      if (errTail) onStderr(errTail);
      if (pending && options.onStdoutLine) options.onStdoutLine(pending);
      if (spawnError && child.pid === undefined) {
        const reason =
          spawnError.code === 'ENOENT'
            ? `\`${file}\` is not installed or not on PATH`
            : `\`${file}\`: ${spawnError.message}`;
        return resolve({ exitCode: 127, output: `${reason}\n` });
      }
      if (signal) {
        // what the process said before it was killed, and the signal itself (not a made-up exit code)
        const line = `\`${file}\` was killed by ${signal}`;
        return resolve({
          exitCode: 128 + (osConstants.signals[signal] ?? 0),
          signal,
          output: `${output}${output && !output.endsWith('\n') ? '\n' : ''}${line}\n`,
        });
      }
      resolve({ exitCode: code ?? 1, output });
    });
  });
}

/** What of `process` the clean-up uses (a test passes its own). */
export type ProcessHost = Pick<NodeJS.Process, 'once' | 'listenerCount' | 'kill' | 'pid'>;

const running = new Set<ChildProcess>();
const hooked = new WeakSet<ProcessHost>();

function endWithThisProcess(child: ChildProcess): void {
  running.add(child);
  child.once('close', () => running.delete(child));
  child.once('error', () => running.delete(child));
  killChildrenWhenEnding(process);
}

/**
 * When `host` exits or is ended by SIGTERM, SIGINT or SIGHUP, the processes
 * still running are sent SIGTERM first: Nx ends a worker that way, and a
 * cargo left behind would go on holding the target directory's lock. A
 * signal nobody else handles is raised again, so it still ends `host` as it
 * would have (what execa's `cleanup` did through signal-exit).
 */
export function killChildrenWhenEnding(host: ProcessHost): void {
  if (hooked.has(host)) return;
  hooked.add(host);
  const killAll = () => running.forEach((c) => c.kill('SIGTERM'));
  host.once('exit', killAll);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
    host.once(signal, () => {
      killAll();
      if (host.listenerCount(signal) === 0) host.kill(host.pid, signal);
    });
}
