import { availableParallelism } from 'node:os';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessResult, runProcess } from '../run-process';

export interface CrateRef {
  /** The package name (`-p`). */
  name: string;
  /** Absolute directory of the crate. */
  dir: string;
  /** The Nx project. */
  project: string;
}

export interface CrateOutcome {
  success: boolean;
  output: string;
}

export interface CargoInvocation {
  cwd: string;
  command: string[];
  args: string[];
}

/** Runs cargo; `live` gets what a user should see as it happens (rendered diagnostics, test output, progress). */
export type Runner = (
  args: string[],
  cwd: string,
  onStdoutLine?: (line: string) => void,
  live?: (chunk: string) => void,
) => Promise<ProcessResult>;
const cargoRunner: Runner = async (args, cwd, onStdoutLine, live) => {
  // whole lines only: crates' test runs print at the same time
  const lines = live && wholeLines(live);
  const result = await runProcess('cargo', args, {
    cwd,
    onStdoutLine,
    ...(onStdoutLine ? { onStderr: lines } : { onOutput: lines }),
  });
  lines?.flush();
  return result;
};

/** Passes on complete lines only; `flush` passes the rest. */
function wholeLines(write: (text: string) => void): ((chunk: string) => void) & { flush(): void } {
  let pending = '';
  const onChunk = (chunk: string) => {
    const text = pending + chunk;
    const end = text.lastIndexOf('\n') + 1;
    pending = text.slice(end);
    if (end > 0) write(text.slice(0, end));
  };
  return Object.assign(onChunk, { flush: () => (pending ? (write(`${pending}\n`), (pending = '')) : undefined) });
}

/** Subcommands that compile and understand `--message-format=json`. */
const COMPILING = new Set(['build', 'check', 'clippy', 'test', 'bench', 'doc']);

/** How many crates' test binaries run at once once everything is compiled. */
const TEST_PARALLELISM = Math.max(1, availableParallelism());

/**
 * Runs one cargo command for many crates in as few cargo processes as
 * possible, and tells each crate's outcome and output apart.
 */
export async function runCargoBatch(
  invocation: CargoInvocation,
  crates: CrateRef[],
  dependsOn: (crate: CrateRef, failedProject: string) => boolean,
  run: Runner = cargoRunner,
): Promise<Map<string, CrateOutcome>> {
  const outcomes = new Map<string, CrateOutcome>();
  for await (const [name, outcome] of cargoBatchOutcomes(invocation, crates, dependsOn, run))
    outcomes.set(name, outcome);
  // in the order the crates were given
  return new Map(crates.map((c) => [c.name, outcomes.get(c.name) as CrateOutcome]));
}

/**
 * The same, each crate's outcome yielded as soon as it is known, and what
 * cargo prints passed to `live` as it prints it.
 */
export async function* cargoBatchOutcomes(
  invocation: CargoInvocation,
  crates: CrateRef[],
  dependsOn: (crate: CrateRef, failedProject: string) => boolean,
  run: Runner = cargoRunner,
  live?: (chunk: string) => void,
): AsyncGenerator<[string, CrateOutcome]> {
  const [subcommand] = invocation.command;
  if (subcommand === 'fmt') yield* await formatCrates(invocation, crates, run, live);
  else if (!COMPILING.has(subcommand) || invocation.command.length > 1) yield* oneByOne(invocation, crates, run, live);
  else yield* compileCrates(invocation, crates, dependsOn, run, live);
}

function splitArgs(args: string[]): { cargoArgs: string[]; toolArgs: string[] } {
  const i = args.indexOf('--');
  return i < 0 ? { cargoArgs: args, toolArgs: [] } : { cargoArgs: args.slice(0, i), toolArgs: args.slice(i) };
}

const packageArgs = (crates: CrateRef[]) => crates.flatMap((c) => ['-p', c.name]);

/** A command cargo cannot batch with attribution (e.g. a cargo plugin): one process per crate. */
async function* oneByOne(
  invocation: CargoInvocation,
  crates: CrateRef[],
  run: Runner,
  live?: (chunk: string) => void,
): AsyncGenerator<[string, CrateOutcome]> {
  for (const crate of crates) {
    const r = await run([...invocation.command, '-p', crate.name, ...invocation.args], invocation.cwd, undefined, live);
    yield [crate.name, { success: r.exitCode === 0, output: r.output }];
  }
}

/** `cargo fmt --check -p a -p b`: rustfmt names each file it would change ("Diff in <file>:<line>:"). */
async function formatCrates(
  invocation: CargoInvocation,
  crates: CrateRef[],
  run: Runner,
  live?: (chunk: string) => void,
): Promise<Map<string, CrateOutcome>> {
  const r = await run(
    [...invocation.command, ...packageArgs(crates), ...invocation.args],
    invocation.cwd,
    undefined,
    live,
  );
  const outcomes = new Map(crates.map((c) => [c.name, { success: true, output: '' }]));
  if (r.exitCode === 0) return outcomes;
  let current: CrateOutcome | undefined;
  let attributed = false;
  for (const line of r.output.split('\n')) {
    const diff = /^Diff in (.+?):\d+:/.exec(line);
    if (diff) {
      current = ownerOf(diff[1], crates, outcomes);
      if (current) {
        current.success = false;
        attributed = true;
      }
    }
    if (current) current.output += `${line}\n`;
  }
  if (!attributed)
    for (const outcome of outcomes.values()) Object.assign(outcome, { success: false, output: r.output });
  return outcomes;
}

/** The crate whose directory holds `file` (the deepest, for nested crates). */
function ownerOf(file: string, crates: CrateRef[], outcomes: Map<string, CrateOutcome>): CrateOutcome | undefined {
  const path = real(file);
  const owner = crates.filter((c) => path.startsWith(real(c.dir) + '/')).sort((a, b) => b.dir.length - a.dir.length)[0];
  return owner && outcomes.get(owner.name);
}

/**
 * Compiles every crate in one cargo process with JSON messages, so
 * diagnostics and failures are attributed by manifest path; cargo stops at
 * the first crate that fails to compile (`cargo test` has no --keep-going), so
 * the others go again without it, and crates that depend on a failed one are
 * reported as blocked. For `test`/`bench` the build is `--no-run`, then each
 * crate's tests run in a `cargo test -p <crate>` of its own, several at once:
 * cargo releases its build lock before running tests, so a slow crate holds
 * up no other, each crate's output is its own, and each is reported as it ends.
 * The price is one cargo start per crate (≈30 ms of CPU each, a third of it
 * rustup's proxy): on this repository's 15 crates, warm, 1.70 s of CPU against
 * 1.23 s for one `cargo test --workspace`, which runs every binary in turn.
 */
async function* compileCrates(
  invocation: CargoInvocation,
  crates: CrateRef[],
  dependsOn: (crate: CrateRef, failedProject: string) => boolean,
  run: Runner,
  live?: (chunk: string) => void,
): AsyncGenerator<[string, CrateOutcome]> {
  const isTest = invocation.command[0] === 'test' || invocation.command[0] === 'bench';
  const { cargoArgs, toolArgs } = splitArgs(invocation.args);
  const diagnostics = new Map<string, string>(crates.map((c) => [c.name, '']));
  const byManifest = new Map(crates.map((c) => [real(join(c.dir, 'Cargo.toml')), c]));
  let remaining = crates;

  while (remaining.length > 0) {
    const args = [
      ...invocation.command,
      ...(isTest ? ['--no-run'] : []),
      '--message-format=json',
      ...packageArgs(remaining),
      ...cargoArgs,
      ...(isTest ? [] : toolArgs),
    ];
    let finished = false;
    const r = await run(
      args,
      invocation.cwd,
      (line) => {
        if (!line.startsWith('{')) return live?.(`${line}\n`);
        const msg = JSON.parse(line);
        if (msg.reason === 'build-finished') finished = msg.success === true;
        if (msg.reason === 'compiler-message' && msg.message?.rendered) {
          live?.(msg.message.rendered);
          const crate = byManifest.get(real(msg.manifest_path));
          if (crate) diagnostics.set(crate.name, (diagnostics.get(crate.name) as string) + msg.message.rendered);
        }
      },
      live,
    );
    if (finished) {
      if (!isTest) {
        for (const crate of remaining)
          yield [
            crate.name,
            {
              success: r.exitCode === 0,
              output: (diagnostics.get(crate.name) as string) + (r.exitCode === 0 ? '' : r.output),
            },
          ];
        return;
      }
      const testOne = async (crate: CrateRef): Promise<[string, CrateOutcome]> => {
        const t = await run(
          [...invocation.command, '--no-fail-fast', '-p', crate.name, ...cargoArgs, ...toolArgs],
          invocation.cwd,
          undefined,
          live,
        );
        // cargo replays the crate's warnings on a fresh build: the test run's output has them
        return [crate.name, { success: t.exitCode === 0, output: t.output }];
      };
      yield* asCompleted(remaining, TEST_PARALLELISM, testOne);
      return;
    }
    // "error: could not compile `name` (lib test) due to 2 previous errors"
    const failedNames = new Set([...r.output.matchAll(/could not compile `([^`]+)`/g)].map((m) => m[1]));
    const failedHere = remaining.filter((c) => failedNames.has(c.name));
    const failedElsewhere = [...failedNames].filter((n) => !crates.some((c) => c.name === n));
    const blocked = remaining.filter(
      (c) =>
        !failedNames.has(c.name) &&
        [...failedHere, ...crates.filter((f) => failedNames.has(f.name))].some((f) => dependsOn(c, f.project)),
    );
    for (const crate of failedHere) {
      const own = r.output
        .split('\n')
        .filter((l) => l.includes(`\`${crate.name}\``))
        .join('\n');
      yield [crate.name, { success: false, output: `${diagnostics.get(crate.name)}${own}\n` }];
    }
    for (const crate of blocked) {
      yield [
        crate.name,
        {
          success: false,
          output: `${diagnostics.get(crate.name)}A workspace dependency of ${crate.name} failed to compile.\n`,
        },
      ];
    }
    const done = new Set([...failedHere, ...blocked].map((c) => c.name));
    if (done.size === 0) {
      // Nothing we can pin on one crate (a dependency outside the batch, a cargo error): all fail, with cargo's words.
      const reason = failedElsewhere.length > 0 ? `Dependency ${failedElsewhere.join(', ')} failed to compile.\n` : '';
      for (const crate of remaining)
        yield [crate.name, { success: false, output: `${diagnostics.get(crate.name)}${reason}${r.output}` }];
      return;
    }
    remaining = remaining.filter((c) => !done.has(c.name));
  }
}

/** `fn` over `items`, at most `limit` at a time, each result yielded as it settles. */
async function* asCompleted<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
  const pending = new Map<number, Promise<[number, R]>>();
  let next = 0;
  const start = () => {
    const i = next++;
    pending.set(
      i,
      fn(items[i]).then((r): [number, R] => [i, r]),
    );
  };
  while (next < items.length && pending.size < limit) start();
  while (pending.size > 0) {
    const [i, result] = await Promise.race(pending.values());
    pending.delete(i);
    if (next < items.length) start();
    yield result;
  }
}

/**
 * The path with symbolic links resolved (itself when it does not exist): cargo
 * names a member reached through a link by the link's path, Nx's project sits
 * at its target (polyglot-model.ts).
 */
function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
