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
  publish?: PublishOptions;
}

export const DEFAULT_COLLISION_PREFIXES = { cargo: 'rust-', python: 'python-' };

export const TARGET_KEYS: readonly TargetKey[] = ['build', 'test', 'lint', 'format'];

/** Targets inferred under names no option changes: a configurable target must not take one. */
export const FIXED_TARGET_NAMES = {
  cargo: ['run', 'publish', 'nx-release-publish', 'yank'],
  python: ['publish', 'nx-release-publish'],
} as const;

/**
 * The prefix of a project's targets when it shares its directory with a
 * project of another kind: a crate beside its Python package or a
 * package.json (`rust-test`, `rust-lint`), a Python package beside a package.json.
 */
export const SHARED_ROOT_PREFIX = { cargo: 'rust-', python: 'python-' };

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

/**
 * Where `publish` uploads. Registry URLs and tokens are not plugin options:
 * they come from the environment variables the tools themselves read, so one
 * setting serves cargo/poetry/npm and the plugin's own index checks.
 */
export interface PublishOptions {
  cargo?: {
    /** The Cargo registry name (`cargo publish --registry <name>`); its index URL is `CARGO_REGISTRIES_<NAME>_INDEX`, its token `CARGO_REGISTRIES_<NAME>_TOKEN`. */
    registry?: string;
    /**
     * The registry stands in for crates.io (a rehearsal of a crates.io release
     * on a local registry): while publishing, cargo resolves crates.io
     * dependencies — which is what a workspace's path + version dependencies
     * become in the uploaded manifest — from this registry instead.
     */
    replacesCratesIo?: boolean;
    /**
     * `false`: `cargo publish --no-verify`, a rehearsal that skips building
     * each packaged crate against the registry's dependencies; packaging,
     * dependency resolution and the index checks still run. Default true.
     */
    verify?: boolean;
    /** How long to wait for a published version to appear in the sparse index (seconds, default 120). */
    visibilityTimeout?: number;
    /** How many crates may be uploaded at once (default 4). */
    maxParallel?: number;
    /**
     * The registry's rate limit on new versions and new crates; a plan that
     * would exceed it is refused before anything is uploaded. crates.io's:
     * { newVersions: { burst: 30, perMinute: 1 }, newCrates: { burst: 5, perMinutes: 10 } }.
     * `false` (the default for registries other than crates-io) checks nothing.
     */
    rateLimit?: false | { newVersionsBurst: number; newCratesBurst: number };
  };
  python?: {
    /** The Poetry repository name (`poetry publish -r <name>`); URL `POETRY_REPOSITORIES_<NAME>_URL`, token `POETRY_PYPI_TOKEN_<NAME>`. */
    repository?: string;
  };
  npm?: {
    /** The npm registry URL variable: `NPM_CONFIG_REGISTRY` by default; token `NPM_TOKEN`. */
    registryEnv?: string;
  };
}

/** `my-registry` -> `MY_REGISTRY`, as Cargo and Poetry spell names in environment variables. */
export function envName(name: string): string {
  return name.toUpperCase().replace(/[-.]/g, '_');
}
