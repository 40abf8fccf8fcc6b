import { basename, join } from 'node:path';
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

type Runner = (args: string[], cwd: string, onStdoutLine?: (line: string) => void) => Promise<ProcessResult>;
const cargoRunner: Runner = (args, cwd, onStdoutLine) => runProcess('cargo', args, { cwd, onStdoutLine });

/** Subcommands that compile and understand `--message-format=json`. */
const COMPILING = new Set(['build', 'check', 'clippy', 'test', 'bench', 'doc']);

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
  const [subcommand] = invocation.command;
  if (subcommand === 'fmt') return formatCrates(invocation, crates, run);
  if (!COMPILING.has(subcommand) || invocation.command.length > 1) return oneByOne(invocation, crates, run);
  return compileCrates(invocation, crates, dependsOn, run);
}

function splitArgs(args: string[]): { cargoArgs: string[]; toolArgs: string[] } {
  const i = args.indexOf('--');
  return i < 0 ? { cargoArgs: args, toolArgs: [] } : { cargoArgs: args.slice(0, i), toolArgs: args.slice(i) };
}

const packageArgs = (crates: CrateRef[]) => crates.flatMap((c) => ['-p', c.name]);

/** A command cargo cannot batch with attribution (e.g. a cargo plugin): one process per crate. */
async function oneByOne(invocation: CargoInvocation, crates: CrateRef[], run: Runner): Promise<Map<string, CrateOutcome>> {
  const outcomes = new Map<string, CrateOutcome>();
  for (const crate of crates) {
    const r = await run([...invocation.command, '-p', crate.name, ...invocation.args], invocation.cwd);
    outcomes.set(crate.name, { success: r.exitCode === 0, output: r.output });
  }
  return outcomes;
}

/** `cargo fmt --check -p a -p b`: rustfmt names each file it would change ("Diff in <file>:<line>:"). */
async function formatCrates(invocation: CargoInvocation, crates: CrateRef[], run: Runner): Promise<Map<string, CrateOutcome>> {
  const r = await run([...invocation.command, ...packageArgs(crates), ...invocation.args], invocation.cwd);
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
  if (!attributed) for (const outcome of outcomes.values()) Object.assign(outcome, { success: false, output: r.output });
  return outcomes;
}

/** The crate whose directory holds `file` (the deepest, for nested crates). */
function ownerOf(file: string, crates: CrateRef[], outcomes: Map<string, CrateOutcome>): CrateOutcome | undefined {
  const owner = crates
    .filter((c) => file.startsWith(c.dir + '/'))
    .sort((a, b) => b.dir.length - a.dir.length)[0];
  return owner && outcomes.get(owner.name);
}

/**
 * Compiles (and for `test`/`bench`, runs) the crates in one cargo process with
 * JSON messages, so diagnostics and failures are attributed by manifest path.
 * Cargo stops building at the first crate that fails (`cargo test` has no
 * --keep-going), so the others go again without it, and crates that depend on
 * a failed one are reported as blocked.
 */
async function compileCrates(
  invocation: CargoInvocation,
  crates: CrateRef[],
  dependsOn: (crate: CrateRef, failedProject: string) => boolean,
  run: Runner,
): Promise<Map<string, CrateOutcome>> {
  const isTest = invocation.command[0] === 'test' || invocation.command[0] === 'bench';
  const outcomes = new Map<string, CrateOutcome>(crates.map((c) => [c.name, { success: false, output: '' }]));
  const executables = new Map<string, string>();
  const libraries = new Map<string, string>();
  const byManifest = new Map(crates.map((c) => [join(c.dir, 'Cargo.toml'), c]));
  let remaining = crates;

  while (remaining.length > 0) {
    const { cargoArgs, toolArgs } = splitArgs(invocation.args);
    const args = [
      ...invocation.command,
      ...(isTest ? ['--no-fail-fast'] : []),
      '--message-format=json',
      ...packageArgs(remaining),
      ...cargoArgs,
      ...toolArgs,
    ];
    let finished = false;
    const r = await run(args, invocation.cwd, (line) => {
      if (!line.startsWith('{')) return;
      const msg = JSON.parse(line);
      const crate = byManifest.get(msg.manifest_path);
      if (msg.reason === 'build-finished') finished = msg.success === true;
      if (!crate) return;
      if (msg.reason === 'compiler-message' && msg.message?.rendered) {
        (outcomes.get(crate.name) as CrateOutcome).output += msg.message.rendered;
      } else if (msg.reason === 'compiler-artifact') {
        if (msg.executable) executables.set(basename(msg.executable), crate.name);
        if (msg.target?.kind?.some((k: string) => k.endsWith('lib') || k === 'proc-macro')) libraries.set(msg.target.name, crate.name);
      }
    });
    if (finished) {
      // everything compiled; for tests, what ran is in the output
      const ran = isTest ? attributeTestOutput(r, remaining, executables, libraries) : undefined;
      for (const crate of remaining) {
        const outcome = outcomes.get(crate.name) as CrateOutcome;
        const tested = ran?.get(crate.name);
        outcome.success = tested ? tested.success : r.exitCode === 0;
        outcome.output += tested ? tested.output : r.exitCode === 0 ? '' : r.output;
      }
      break;
    }
    // "error: could not compile `name` (lib test) due to 2 previous errors"
    const failedNames = new Set([...r.output.matchAll(/could not compile `([^`]+)`/g)].map((m) => m[1]));
    const failedHere = remaining.filter((c) => failedNames.has(c.name));
    const failedElsewhere = [...failedNames].filter((n) => !crates.some((c) => c.name === n));
    const blocked = remaining.filter(
      (c) => !failedNames.has(c.name) && [...failedHere, ...crates.filter((f) => failedNames.has(f.name))].some((f) => dependsOn(c, f.project)),
    );
    for (const crate of failedHere) {
      const outcome = outcomes.get(crate.name) as CrateOutcome;
      outcome.output += r.output.split('\n').filter((l) => l.includes(`\`${crate.name}\``)).join('\n') + '\n';
    }
    for (const crate of blocked) {
      (outcomes.get(crate.name) as CrateOutcome).output += `A workspace dependency of ${crate.name} failed to compile.\n`;
    }
    const done = new Set([...failedHere, ...blocked].map((c) => c.name));
    if (done.size === 0) {
      // Nothing we can pin on one crate (a dependency outside the batch, a cargo error): all fail, with cargo's words.
      const reason = failedElsewhere.length > 0 ? `Dependency ${failedElsewhere.join(', ')} failed to compile.\n` : '';
      for (const crate of remaining) {
        const outcome = outcomes.get(crate.name) as CrateOutcome;
        outcome.output += reason + r.output;
      }
      break;
    }
    remaining = remaining.filter((c) => !done.has(c.name));
  }
  return outcomes;
}

/**
 * Splits the output of `cargo test --no-fail-fast` at cargo's "Running <file>
 * (<executable>)" and "Doc-tests <lib>" headers; cargo's closing "`-p <crate>
 * ...`" lines name what failed.
 */
function attributeTestOutput(
  r: ProcessResult,
  crates: CrateRef[],
  executables: Map<string, string>,
  libraries: Map<string, string>,
): Map<string, CrateOutcome> {
  const outcomes = new Map(crates.map((c) => [c.name, { success: true, output: '' }]));
  let current: CrateOutcome | undefined;
  let sawFailure = false;
  for (const line of r.output.split('\n')) {
    if (line.startsWith('{"reason":')) continue; // cargo's JSON messages, already read
    const running = /^\s+Running .* \((.+)\)\s*$/.exec(line);
    const doctests = /^\s+Doc-tests (\S+)\s*$/.exec(line);
    if (running) current = outcomes.get(executables.get(basename(running[1])) ?? '');
    else if (doctests) current = outcomes.get(libraries.get(doctests[1]) ?? '');
    else if (/^error: \d+ targets? failed:|^error: test failed/.test(line)) current = undefined;
    if (current) {
      current.output += `${line}\n`;
      if (/^test result: FAILED/.test(line)) {
        current.success = false;
        sawFailure = true;
      }
    }
    for (const m of line.matchAll(/`-p (\S+?)[ `]/g)) {
      const failed = outcomes.get(m[1]);
      if (failed) {
        failed.success = false;
        sawFailure = true;
      }
    }
  }
  if (r.exitCode !== 0 && !sawFailure) {
    for (const outcome of outcomes.values()) Object.assign(outcome, { success: false, output: outcome.output + r.output });
  }
  return outcomes;
}
