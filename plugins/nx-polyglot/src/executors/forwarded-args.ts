import { readFileSync } from 'node:fs';
import type { Task } from '@nx/devkit';

/** The arguments a user gave after `--` (`nx run crate:test -- my_filter`), as typed. */
export function forwardedArgs(task: Task | undefined): string[] {
  const raw = (task?.overrides as { __overrides_unparsed__?: unknown } | undefined)?.__overrides_unparsed__;
  return Array.isArray(raw) ? raw.map(String) : [];
}

/**
 * Where forwarded arguments go: split at their `--` like cargo's own, the
 * part before to cargo, the part after to the tool (the test harness,
 * clippy, rustfmt). For `test` and `bench` without a `--`, all of them go
 * to the harness, as Nx users pass test filters and harness flags
 * (`-- my_filter`, `-- --nocapture`, `-- --list`).
 */
export function forwardArgs(command: string[], args: string[], forwarded: string[]): string[] {
  if (forwarded.length === 0) return args;
  const split = (a: string[]): [string[], string[]] => {
    const i = a.indexOf('--');
    return i < 0 ? [a, []] : [a.slice(0, i), a.slice(i + 1)];
  };
  const [cargoArgs, toolArgs] = split(args);
  const harness = !forwarded.includes('--') && (command[0] === 'test' || command[0] === 'bench');
  const [extraCargo, extraTool] = harness ? [[], forwarded] : split(forwarded);
  const tool = [...toolArgs, ...extraTool];
  return [...cargoArgs, ...extraCargo, ...(tool.length > 0 || args.includes('--') ? ['--', ...tool] : [])];
}

/** What a publish executor does with one forwarded flag it does not pass on: why, and what to do instead. */
export type Refusals = Record<string, string>;

/**
 * What follows `--` on a publish (`nx run x:publish -- --no-verify`,
 * `nx run-many -t publish -- --allow-dirty`): Nx has already turned the
 * executor's own options (`--dry-run`, `--no-verify`, `--registry=x`) into
 * options, so those are left out; every other flag goes to the tool, or, when
 * the executor owns it (the package, the registry, a token that must not be
 * on a command line), is refused with the reason. With `allowed`, a flag
 * outside it is refused too: npm takes an unknown flag as configuration and
 * ignores it, so passing it on would drop it silently. A flag's value
 * (`--features x`, `--config k=v`) goes where its flag goes.
 */
export function publishToolArgs(
  forwarded: readonly string[],
  tool: string,
  rules: {
    /** The executor's own options (its schema's properties): `flag` when boolean, `value` when it takes one. */
    options: Record<string, 'flag' | 'value'>;
    refused: Refusals;
    allowed?: readonly string[];
  },
): { args: string[]; refused: string[] } {
  const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const own = new Map(
    Object.entries(rules.options).flatMap(([o, kind]) => [[o, kind] as const, [kebab(o), kind] as const]),
  );
  const args: string[] = [];
  const refused: string[] = [];
  let valueOf: 'pass' | 'drop' | undefined;
  for (const arg of forwarded) {
    if (!arg.startsWith('-') || arg === '-') {
      if (valueOf === 'pass') args.push(arg);
      else if (valueOf === undefined)
        refused.push(`\`${arg}\`: ${tool} takes no package or file here; the executor names them`);
      valueOf = undefined;
      continue;
    }
    const name = arg.replace(/^--?/, '').split('=')[0];
    const inline = arg.includes('=');
    if (own.has(name) || (name.startsWith('no-') && own.get(name.slice(3)) === 'flag')) {
      valueOf = inline || own.get(name) !== 'value' ? undefined : 'drop';
    } else if (name in rules.refused) {
      refused.push(`\`${arg.split('=')[0]}\`: ${rules.refused[name]}`);
      valueOf = inline ? undefined : 'drop';
    } else if (rules.allowed && !rules.allowed.includes(name)) {
      refused.push(
        `\`${arg.split('=')[0]}\`: ${tool} would take it as configuration and ignore it; it forwards only ${rules.allowed.map((a) => `--${a}`).join(', ')}`,
      );
      valueOf = inline ? undefined : 'drop';
    } else {
      args.push(arg);
      valueOf = inline ? undefined : 'pass';
    }
  }
  return { args, refused };
}

/** The refusal printed before anything is built or uploaded. */
export function refusedArgsReport(tool: string, refused: readonly string[]): string {
  return `Nothing was published: ${refused.length === 1 ? 'an argument' : `${refused.length} arguments`} after \`--\` cannot go to ${tool}:\n${refused.map((r) => `  - ${r}`).join('\n')}\n`;
}

/** The task this executor runs for (`nx run` gives the executor its context, not its task). */
export function currentTask(context: {
  projectName?: string;
  targetName?: string;
  taskGraph?: { tasks: Record<string, Task> };
}): Task | undefined {
  return Object.values(context.taskGraph?.tasks ?? {}).find(
    (t) => t.target.project === context.projectName && t.target.target === context.targetName,
  );
}

/**
 * The command lines of the nx processes this run descends from, where the
 * system shows them (Linux's /proc; elsewhere none): what the user typed,
 * before Nx parsed it.
 */
export function invokingCommandLines(env: NodeJS.ProcessEnv = process.env): string[][] {
  return (env.NX_INVOCATION_ANCESTOR_PIDS ?? '')
    .split(',')
    .map((pid) => pid.trim())
    .filter((pid) => /^\d+$/.test(pid))
    .flatMap((pid) => {
      try {
        return [readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)];
      } catch {
        return [];
      }
    });
}

/**
 * When a command line has `--`, Nx keeps only what follows it as overrides:
 * `nx run-many -t publish --dry-run -- --allow-dirty` loses the dry run and
 * would upload. Says so when a dry run typed before `--` did not arrive.
 */
export function lostDryRun(commandLines: string[][], dryRun: boolean | undefined): string | undefined {
  if (dryRun) return undefined;
  const typed = commandLines.find((argv) => {
    const separator = argv.indexOf('--');
    return separator > 0 && argv.slice(0, separator).some((a) => /^--dry-?[rR]un(=true)?$|^-d$/.test(a));
  });
  if (!typed) return undefined;
  return `Nothing was published: Nx drops what comes before \`--\` when a \`--\` is given, so the --dry-run of \`${typed.join(' ')}\` did not arrive. Put it after \`--\` (\`nx run-many -t publish -- --dry-run --allow-dirty\`).\n`;
}
