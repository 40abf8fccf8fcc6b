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
