/** How one inferred target can be changed from nx.json. */
export interface TargetOptions {
  /** The Nx target name; defaults to the key (`build`, `test`, `lint`, `format`). */
  name?: string;
  /**
   * The command. Cargo: the cargo subcommand and its leading arguments, e.g.
   * ["nextest", "run"]. Python: the program and its arguments, run inside the
   * package's environment, e.g. ["pytest", "-q"].
   */
  command?: string[];
  /** Arguments appended to the command (Cargo: after `-p <crate>`). */
  args?: string[];
}

export type TargetKey = 'build' | 'test' | 'lint' | 'format';

/** `false` turns the target off. */
export type TargetsOptions = Partial<Record<TargetKey, TargetOptions | false>>;

export interface NxPolyglotOptions {
  cargo?: TargetsOptions;
  python?: TargetsOptions;
  /**
   * Project names are the crate and distribution names. When a crate and a
   * Python distribution share a name, both get their ecosystem's prefix.
   */
  collisionPrefixes?: { cargo?: string; python?: string };
}

export const DEFAULT_COLLISION_PREFIXES = { cargo: 'rust-', python: 'python-' };

/** The target's name and command after applying the user's options over the defaults. */
export function resolveTarget(
  key: TargetKey,
  defaults: { command: string[]; args: string[] },
  options: TargetsOptions | undefined,
): { name: string; command: string[]; args: string[] } | undefined {
  const override = options?.[key];
  if (override === false) return undefined;
  return {
    name: override?.name ?? key,
    command: override?.command ?? defaults.command,
    args: override?.args ?? defaults.args,
  };
}
