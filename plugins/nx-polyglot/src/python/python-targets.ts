import type { ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
import { relative, sep } from 'node:path';
import { CRATE_INPUT, RELEASE_PUBLISH, definedOnly } from '../cargo/cargo-targets';
import { PublishOptions, TargetKey, TargetsOptions, resolveTarget } from '../options';
import type { PythonPackage, PythonTool } from './pyproject';

/** The same named input as a crate's (cargo-targets.ts): a Python package's dependency may be a crate. */
export const PACKAGE_INPUT = CRATE_INPUT;
/** The interpreter and `PYTHONPATH`: named once per project, not listed in every target (see COMPILE_INPUT). */
export const PYTHON_RUNTIME_INPUT = 'python-runtime';
/** The lock files that pin the package's environment: a change there may change what its checks run against. */
export const PYTHON_LOCK_INPUT = 'python-lock';

/**
 * The Python files under a root package that its linters and formatters read
 * (they run on `.`), when the package's own files are narrower (package-files.ts).
 */
export const PYTHON_SOURCES_INPUT = 'python-sources';

/** Every lock file a Python tool reads: uv, Poetry, PDM, PEP 751 (`pylock.toml`, `pylock.<name>.toml`). */
const LOCK_FILES = ['uv.lock', 'poetry.lock', 'pdm.lock', 'pylock.toml', 'pylock.*.toml'];

/** The lock files of these directories (python-workspaces.ts `lockDirs`) as inputs, relative to the Nx workspace root. */
export function lockFileInputs(nxRoot: string, lockDirs: readonly string[]): string[] {
  return lockDirs.flatMap((dir) => {
    const rel = relative(nxRoot, dir).split(sep).join('/');
    return LOCK_FILES.map((f) => `{workspaceRoot}/${rel ? `${rel}/` : ''}${f}`);
  });
}

/** How to run a program inside the package's environment, per tool. */
const RUN_IN_ENV: Record<PythonTool, string[]> = {
  poetry: ['poetry', 'run'],
  uv: ['uv', 'run'],
  pep517: ['python3', '-m'],
};

/** sdist + wheel into dist/; the publish executor builds the same way. */
export const BUILD: Record<PythonTool, string[]> = {
  poetry: ['poetry', 'build', '--output', 'dist'],
  uv: ['uv', 'build', '--out-dir', 'dist'],
  pep517: ['python3', '-m', 'build', '--outdir', 'dist'],
};

/**
 * The checks come from what the package declares: pytest for `test`; black,
 * else ruff, for `format`; ruff, else flake8, else pylint, for `lint`. A
 * check whose tool the package does not declare is not inferred.
 */
function defaultCheck(
  key: Exclude<TargetKey, 'build'>,
  declared: string[],
): { command: string[]; args: string[] } | undefined {
  const has = (tool: string) => declared.includes(tool);
  switch (key) {
    case 'test':
      return has('pytest') ? { command: ['pytest'], args: [] } : undefined;
    case 'format':
      if (has('black')) return { command: ['black'], args: ['--check', '.'] };
      return has('ruff') ? { command: ['ruff'], args: ['format', '--check', '.'] } : undefined;
    case 'lint':
      if (has('ruff')) return { command: ['ruff'], args: ['check', '.'] };
      if (has('flake8')) return { command: ['flake8'], args: ['.'] };
      return has('pylint') ? { command: ['pylint'], args: ['.'] } : undefined;
  }
}

export function pythonTargets(
  pkg: PythonPackage,
  tool: PythonTool,
  options: TargetsOptions | undefined,
  publish?: PublishOptions['python'],
  nestedExclusions: string[] = [],
  lockFiles: string[] = [],
  /** The package's files as its build backend selects them, for a package at the repository root; else null. */
  ownFiles: string[] | null = null,
): { targets: Record<string, TargetConfiguration>; namedInputs: NonNullable<ProjectConfiguration['namedInputs']> } {
  const inputs = [PACKAGE_INPUT, `^${PACKAGE_INPUT}`, PYTHON_RUNTIME_INPUT, PYTHON_LOCK_INPUT];
  const targets: Record<string, TargetConfiguration> = {};
  for (const key of ['test', 'lint', 'format'] as const) {
    const defaults = defaultCheck(key, pkg.declared);
    if (!defaults && !(options?.[key] && options[key].command)) continue;
    const target = resolveTarget(key, defaults ?? { command: [], args: [] }, options);
    if (!target) continue;
    const prefix = RUN_IN_ENV[tool];
    // `python3 -m` takes a module name; a module is what pytest/black/ruff expose too
    const argv = [...prefix, ...target.command, ...target.args];
    targets[target.name] = {
      executor: 'nx-polyglot:exec',
      cache: true,
      inputs: ownFiles && key !== 'test' ? [...inputs, PYTHON_SOURCES_INPUT] : inputs,
      outputs: [],
      options: { cwd: '{projectRoot}', argv },
      metadata: {
        technologies: ['python', tool],
        description: argv.join(' '),
        help: { command: [...prefix, ...target.command, '--help'].join(' '), example: { options: { argv } } },
      },
    };
  }
  const namedInputs = {
    [PYTHON_RUNTIME_INPUT]: [{ runtime: 'python3 -V' }, { env: 'PYTHONPATH' }],
    [PYTHON_LOCK_INPUT]: lockFiles,
    [PACKAGE_INPUT]: [
      ...(ownFiles ?? ['{projectRoot}/**/*']),
      '!{projectRoot}/dist/**',
      '!{projectRoot}/**/__pycache__/**',
      ...nestedExclusions,
    ],
    ...(ownFiles
      ? {
          [PYTHON_SOURCES_INPUT]: [
            '{projectRoot}/**/*.py',
            '{projectRoot}/**/*.pyi',
            '{projectRoot}/**/*.ipynb',
            ...nestedExclusions,
          ],
        }
      : {}),
  };
  // Poetry `package-mode = false`, uv `package = false`: never built, never published
  if (!pkg.publishable) return { targets, namedInputs };
  const build = resolveTarget('build', { command: BUILD[tool], args: [] }, options);
  if (build) {
    const argv = [...build.command, ...build.args];
    targets[build.name] = {
      executor: 'nx-polyglot:exec',
      cache: true,
      inputs,
      outputs: ['{projectRoot}/dist'],
      options: { cwd: '{projectRoot}', argv, cleanDirectory: 'dist' },
      metadata: {
        technologies: ['python', tool],
        description: `${argv.join(' ')} (sdist + wheel into dist/)`,
        help: {
          command: `${build.command.slice(0, tool === 'pep517' ? 3 : 2).join(' ')} --help`,
          example: { options: { argv } },
        },
      },
    };
  }
  // the registry is the cache: publishing is never replayed from Nx's cache
  const repository = publish?.repository;
  targets.publish = {
    executor: 'nx-polyglot:python-publish',
    cache: false,
    dependsOn: ['^publish'],
    options: definedOnly({ cwd: '{projectRoot}', repository, distribution: pkg.name, version: pkg.version, tool }),
    metadata: {
      technologies: ['python', tool],
      description: `${BUILD[tool].join(' ')}, then upload to ${repository ? `\`${repository}\`` : '<publish.python.repository>'}, unless its index has ${pkg.name} ${pkg.version ?? '(no static version)'}`,
      help: {
        command:
          tool === 'poetry'
            ? 'poetry publish --help'
            : tool === 'uv'
              ? 'uv publish --help'
              : 'python3 -m twine upload --help',
        example: { options: { repository: 'my-repository' } },
      },
    },
  };
  targets[RELEASE_PUBLISH] = { ...targets.publish, dependsOn: [`^${RELEASE_PUBLISH}`] };
  return { targets, namedInputs };
}
