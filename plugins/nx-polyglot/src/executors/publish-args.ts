import type { publishToolArgs } from './forwarded-args';

/**
 * What may follow `--` on each publish executor (forwarded-args.ts): its own
 * options (its schema's properties, which Nx makes options), the flags it
 * owns and refuses with the reason, and for npm the only flags it passes on.
 */

/** What `--` may add to `cargo publish` (forwarded-args.ts): cargo itself refuses a flag it does not know. */
export const CARGO_PUBLISH_ARGS = {
  options: {
    cwd: 'value',
    package: 'value',
    registry: 'value',
    replacesCratesIo: 'flag',
    verify: 'flag',
    visibilityTimeout: 'value',
    maxParallel: 'value',
    rateLimit: 'value',
    args: 'value',
    dryRun: 'flag',
    // what `nx release publish` passes to every nx-release-publish target (npm's options, unused here)
    tag: 'value',
    otp: 'value',
    access: 'value',
    firstRelease: 'flag',
    nxReleaseVersionData: 'value',
  },
  refused: {
    p: 'each publish task uploads its own crate; choose crates with nx run-many -t publish --projects/--exclude',
    package: 'each publish task uploads its own crate; choose crates with nx run-many -t publish --projects/--exclude',
    workspace:
      'each publish task uploads its own crate; choose crates with nx run-many -t publish --projects/--exclude',
    exclude: 'each publish task uploads its own crate; choose crates with nx run-many -t publish --exclude',
    'manifest-path': 'cargo runs in the Cargo workspace of the crate (the option cwd)',
    index: 'the registry is publish.cargo.registry in nx.json (--registry=<name> for one run)',
    token:
      'a token on a command line is visible to every process; set CARGO_REGISTRIES_<NAME>_TOKEN (CARGO_REGISTRY_TOKEN for crates.io)',
    n: 'a dry run is --dry-run, which checks the plan and the registry without running cargo publish',
  },
} satisfies Parameters<typeof publishToolArgs>[2];

const CREDENTIALS_ON_COMMAND_LINE =
  'a credential on a command line is visible to every process; set POETRY_PYPI_TOKEN_<NAME> (or POETRY_HTTP_BASIC_<NAME>_USERNAME and _PASSWORD)';
const REPOSITORY = 'the repository is publish.python.repository in nx.json (--repository=<name> for one run)';

/** What `--` may add to the upload command (forwarded-args.ts): poetry, uv and twine refuse a flag they do not know. */
export const PYTHON_PUBLISH_ARGS = {
  options: {
    cwd: 'value',
    repository: 'value',
    distribution: 'value',
    version: 'value',
    tool: 'value',
    visibilityTimeout: 'value',
    dryRun: 'flag',
    // what `nx release publish` passes to every nx-release-publish target (npm's options, unused here)
    tag: 'value',
    otp: 'value',
    access: 'value',
    firstRelease: 'flag',
    nxReleaseVersionData: 'value',
  },
  refused: {
    r: REPOSITORY,
    'publish-url': REPOSITORY,
    'repository-url': REPOSITORY,
    u: CREDENTIALS_ON_COMMAND_LINE,
    username: CREDENTIALS_ON_COMMAND_LINE,
    p: CREDENTIALS_ON_COMMAND_LINE,
    password: CREDENTIALS_ON_COMMAND_LINE,
    token: CREDENTIALS_ON_COMMAND_LINE,
    build: 'the executor builds the package itself before the upload (the build target)',
    'dist-dir': 'the executor uploads what its build left in dist/',
  },
} satisfies Parameters<typeof publishToolArgs>[2];

/**
 * What `--` may add to `npm publish` (forwarded-args.ts): npm takes any
 * other flag as configuration and ignores what it does not know, so only
 * its publish flags pass.
 */
export const NPM_PUBLISH_ARGS = {
  options: { cwd: 'value', registryEnv: 'value', visibilityTimeout: 'value', dryRun: 'flag' },
  refused: {
    registry: 'the registry is the URL in NPM_CONFIG_REGISTRY (the option registryEnv names another variable)',
    userconfig: 'the executor gives npm its own npmrc, which reads the token from NPM_TOKEN',
    otp: 'a one-time password on a command line is visible to every process; set NPM_CONFIG_OTP',
    workspace: 'each publish task publishes its own package; choose packages with nx run-many -t publish --projects',
    workspaces: 'each publish task publishes its own package; choose packages with nx run-many -t publish --projects',
  },
  allowed: [
    'tag',
    'access',
    'provenance',
    'provenance-file',
    'ignore-scripts',
    'foreground-scripts',
    'loglevel',
    'json',
  ],
} satisfies Parameters<typeof publishToolArgs>[2];
