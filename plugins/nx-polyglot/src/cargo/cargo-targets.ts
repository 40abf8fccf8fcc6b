import { dirname, relative } from 'node:path';
import type { ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
import { PublishOptions, TargetKey, TargetsOptions, resolveTarget } from '../options';
import type { CargoPackage } from './cargo-workspace';

/**
 * The named input holding a project's own files, crate or Python package
 * alike: `^polyglot-files` pulls in its dependencies' files, and Nx requires
 * every dependency to define it (a maturin package depends on a crate).
 */
export const CRATE_INPUT = 'polyglot-files';
/**
 * The named input of what selects and configures the toolchain: toolchain and
 * config files, compilation env vars.
 */
export const TOOLCHAIN_INPUT = 'cargo-toolchain';
/**
 * The named inputs of each kind of cargo target besides the crate's files:
 * what `cargo build`/`test` read (workspace manifest and lock file, the
 * toolchain, `rustc -vV`), what clippy adds to that (its configuration files)
 * and what rustfmt reads. Named once per project rather than listed in every
 * target: Nx records every entry of a target's `inputs` (and options and
 * metadata) as a key of its source maps, writes them into its graph cache and
 * sends the configuration to every plugin worker — thousands of times over in
 * a big workspace — while a named input is one key however long it is. The
 * `^polyglot-files` of the dependencies stays on the targets: a named input
 * cannot refer to other projects.
 */
export const COMPILE_INPUT = 'cargo-compile';
export const LINT_INPUT = 'cargo-lint';
export const FORMAT_INPUT = 'cargo-format';

/** Env vars that change what rustc produces (or which rustc runs). */
const COMPILATION_ENV = [
  'RUSTFLAGS',
  'CARGO_ENCODED_RUSTFLAGS',
  'CARGO_BUILD_RUSTFLAGS',
  'RUSTDOCFLAGS',
  'CARGO_BUILD_TARGET',
  'RUSTC',
  'RUSTC_WRAPPER',
  'RUSTUP_TOOLCHAIN',
];

/** The target `nx release publish` runs on every project of the release group that has it. */
export const RELEASE_PUBLISH = 'nx-release-publish';

/** What `metadata.help` shows as an example of each target's `args`. */
const HELP_EXAMPLES: Record<TargetKey, string[]> = {
  build: ['--release'],
  test: ['--all-features', '--', '--nocapture'],
  lint: ['--all-targets', '--all-features', '--', '-D', 'warnings'],
  format: ['--check'],
};

const DEFAULTS: Record<TargetKey, { command: string[]; args: string[]; cache: boolean }> = {
  // Cargo owns its target directory and its incremental cache; a cached Nx
  // build would restore nothing useful, so `build` always asks cargo.
  build: { command: ['build'], args: [], cache: false },
  test: { command: ['test'], args: [], cache: true },
  lint: { command: ['clippy'], args: ['--all-targets', '--', '-D', 'warnings'], cache: true },
  format: { command: ['fmt'], args: ['--check'], cache: true },
};

/**
 * The inferred targets of one crate. Every cargo task runs in the workspace
 * root through the `nx-polyglot:cargo` executor, which batches the crates of
 * one `nx run-many` into a single cargo invocation per command.
 */
export function cargoTargets({
  pkg,
  workspaceManifest,
  nxRoot,
  options,
  publish,
  ownFiles = ['{projectRoot}/**/*'],
  projectRoot = relative(nxRoot, dirname(pkg.manifestPath)) || '.',
  runs = null,
}: {
  pkg: CargoPackage;
  workspaceManifest: string;
  nxRoot: string;
  options: TargetsOptions | undefined;
  publish?: { options: PublishOptions['cargo']; after: Array<{ project: string; target: string }> };
  /** The crate's own files (project-files.ts). */
  ownFiles?: string[];
  projectRoot?: string;
  /** The binary `cargo run -p <crate>` runs (crate-binaries.ts), or null for none. */
  runs?: string | null;
}): { targets: Record<string, TargetConfiguration>; namedInputs: NonNullable<ProjectConfiguration['namedInputs']> } {
  const wsDir = relative(nxRoot, dirname(workspaceManifest)) || '.';
  const at = (file: string) => `{workspaceRoot}/${wsDir === '.' ? '' : `${wsDir}/`}${file}`;
  // Cargo reads .cargo/config.toml, and rustup rust-toolchain(.toml), from the
  // directory cargo runs in and from every parent.
  const toolchainFiles: string[] = [];
  for (let dir = wsDir; ; dir = dirname(dir)) {
    const prefix = dir === '.' ? '{workspaceRoot}' : `{workspaceRoot}/${dir}`;
    toolchainFiles.push(
      `${prefix}/rust-toolchain.toml`,
      `${prefix}/rust-toolchain`,
      `${prefix}/.cargo/config.toml`,
      `${prefix}/.cargo/config`,
    );
    if (dir === '.') break;
  }
  const toolchain = [...toolchainFiles, ...COMPILATION_ENV.map((env) => ({ env }))];
  // rustfmt and clippy look for their configuration from the crate up to the file system root
  const upward = (names: string[]): string[] => {
    const found: string[] = [];
    for (let dir = projectRoot; ; dir = dirname(dir)) {
      found.push(...names.map((n) => `{workspaceRoot}/${dir === '.' ? '' : `${dir}/`}${n}`));
      if (dir === '.') break;
    }
    return found;
  };
  const namedInputs = {
    [CRATE_INPUT]: ownFiles,
    [TOOLCHAIN_INPUT]: toolchain,
    [COMPILE_INPUT]: [at('Cargo.toml'), at('Cargo.lock'), TOOLCHAIN_INPUT, { runtime: 'rustc -vV' }],
    [LINT_INPUT]: [COMPILE_INPUT, ...upward(['clippy.toml', '.clippy.toml'])],
    [FORMAT_INPUT]: [
      '{projectRoot}/**/*.rs',
      ...ownFiles.filter((f) => f.startsWith('!')),
      ...upward(['rustfmt.toml', '.rustfmt.toml']),
      TOOLCHAIN_INPUT,
      { runtime: 'rustfmt --version' },
    ],
  };
  const inputs: Record<TargetKey, TargetConfiguration['inputs']> = {
    build: [CRATE_INPUT, `^${CRATE_INPUT}`, COMPILE_INPUT],
    test: [CRATE_INPUT, `^${CRATE_INPUT}`, COMPILE_INPUT],
    lint: [CRATE_INPUT, `^${CRATE_INPUT}`, LINT_INPUT],
    format: [FORMAT_INPUT],
  };

  const targets: Record<string, TargetConfiguration> = {};
  for (const key of Object.keys(DEFAULTS) as TargetKey[]) {
    const target = resolveTarget(key, DEFAULTS[key], options);
    if (!target) continue;
    targets[target.name] = {
      executor: 'nx-polyglot:cargo',
      cache: DEFAULTS[key].cache,
      inputs: inputs[key],
      outputs: [],
      // no `args: []`: the executor's default, and a key of every target in Nx's source maps
      options: {
        cwd: wsDir,
        command: target.command,
        package: pkg.name,
        ...(target.args.length ? { args: target.args } : {}),
      },
      metadata: {
        technologies: ['cargo'],
        description: `cargo ${[...target.command, '-p', pkg.name, ...target.args].join(' ')}`,
        help: { command: `cargo ${target.command[0]} --help`, example: { options: { args: HELP_EXAMPLES[key] } } },
      },
    };
  }
  if (runs) {
    // a server other tasks can depend on while it runs (`continuous`); not cached, not batched
    targets.run = {
      executor: 'nx-polyglot:exec',
      continuous: true,
      cache: false,
      options: { cwd: wsDir, argv: ['cargo', 'run', '-p', pkg.name, '--bin', runs] },
      metadata: {
        technologies: ['cargo'],
        description: `cargo run -p ${pkg.name} --bin ${runs} (arguments after -- go to cargo; -- -- <args> to the program)`,
        help: {
          command: 'cargo run --help',
          example: { options: { argv: ['cargo', 'run', '-p', pkg.name, '--bin', runs, '--', '--port', '8080'] } },
        },
      },
    };
  }
  if (publish) {
    // explicit projects, not ^publish: a path-only dev-dependency is stripped
    // by cargo, must not order the publish, and may even form a cycle
    targets.publish = {
      executor: 'nx-polyglot:cargo-publish',
      cache: false,
      dependsOn: dependsOnEach(publish.after),
      options: definedOnly({
        cwd: wsDir,
        package: pkg.name,
        registry: publish.options?.registry,
        replacesCratesIo: publish.options?.replacesCratesIo,
        verify: publish.options?.verify === false ? false : undefined,
        visibilityTimeout: publish.options?.visibilityTimeout,
        maxParallel: publish.options?.maxParallel,
        rateLimit: publish.options?.rateLimit,
      }),
      metadata: {
        technologies: ['cargo'],
        description: `cargo publish -p ${pkg.name} --registry ${publish.options?.registry ?? '<publish.cargo.registry>'}, unless the index has ${pkg.version}`,
        help: { command: 'cargo publish --help', example: { options: { registry: 'my-registry' } } },
      },
    };
  }
  if (publish) {
    // what `nx release publish` runs: the same publish, ordered among its own tasks
    const after = publish.after.map((a) => ({ ...a, target: a.target.replace(/publish$/, RELEASE_PUBLISH) }));
    targets[RELEASE_PUBLISH] = { ...targets.publish, dependsOn: dependsOnEach(after) };
    targets.yank = {
      executor: 'nx-polyglot:cargo-yank',
      cache: false,
      options: definedOnly({
        cwd: wsDir,
        package: pkg.name,
        vers: pkg.version,
        registry: publish.options?.registry,
        visibilityTimeout: publish.options?.visibilityTimeout,
      }),
      metadata: {
        technologies: ['cargo'],
        description: `cargo yank ${pkg.name} --version ${pkg.version} (--vers=<version> for another, --undo to un-yank): rollback`,
        help: { command: 'cargo yank --help', example: { options: { vers: pkg.version, undo: true } } },
      },
    };
  }
  return { targets, namedInputs };
}

/**
 * Options without the keys left unset: an unset option is the executor's
 * default either way, and an emitted `undefined` is one more key Nx merges
 * and records per target (the plugin worker's JSON drops it, Nx's in-process
 * plugins do not).
 */
export function definedOnly<T extends Record<string, unknown>>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** `dependsOn` for the publish of other projects, grouped by target name (a crate beside a Python package publishes as `rust-publish`). */
function dependsOnEach(
  after: Array<{ project: string; target: string }>,
): NonNullable<TargetConfiguration['dependsOn']> {
  const byTarget = new Map<string, string[]>();
  for (const { project, target } of after) byTarget.set(target, [...(byTarget.get(target) ?? []), project]);
  return [...byTarget].map(([target, projects]) => ({ target, projects }));
}
