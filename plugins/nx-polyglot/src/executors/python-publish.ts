import { redact } from '../known-secrets';
import type { ExecutorContext } from '@nx/devkit';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { envName } from '../options';
import { checkRunCredentials } from '../publish/publish-credentials';
import { Presence, PublishResult, UploadOutcome, failedBeforeStart, publishPackage } from '../publish/publish-package';
import { RegistryError } from '../publish/registry-error';
import { howItEnded, relayToStdout, runProcess } from '../run-process';
import type { PythonTool } from '../python/pyproject';
import {
  ALREADY_UPLOADED,
  PypiIndex,
  PythonRepository,
  fileVersion,
  isWheel,
  pythonRepository,
  repositoryIndex,
  sameVersion,
} from '../python/pypi-index';
import { BUILD } from '../python/python-targets';
import { visibilityTimeoutMs } from '../publish/poll';
import {
  currentTask,
  forwardedArgs,
  invokingCommandLines,
  lostDryRun,
  publishToolArgs,
  refusedArgsReport,
} from './forwarded-args';
import { PYTHON_PUBLISH_ARGS } from './publish-args';

export interface PythonPublishOptions {
  /** The package directory, relative to the Nx workspace root. */
  cwd: string;
  /** The Poetry repository name (plugin option publish.python.repository). */
  repository?: string;
  distribution: string;
  version: string | null;
  tool: PythonTool;
  /** Seconds to wait for the index to list the upload (default 120). */
  visibilityTimeout?: number;
  dryRun?: boolean;
}

const NO_REPOSITORY =
  'No Python repository is configured for publishing: set "publish": { "python": { "repository": "<name>" } } in the nx-polyglot plugin options in nx.json (pypi for PyPI), with POETRY_REPOSITORIES_<NAME>_URL and POETRY_PYPI_TOKEN_<NAME> in the environment.\n';

/**
 * How each tool uploads only the given files to the repository. Poetry reads
 * the URL and token from its own variables; uv and twine get the same token
 * through their variables, so a secret never reaches a command line.
 */
function uploadCommand(
  tool: PythonTool,
  repo: PythonRepository,
  files: string[],
  partlyThere: boolean,
  env: NodeJS.ProcessEnv,
  extra: string[],
): { argv: string[]; env: Record<string, string | undefined> } {
  const name = envName(repo.name);
  const token = env[`POETRY_PYPI_TOKEN_${name}`];
  const user = env[`POETRY_HTTP_BASIC_${name}_USERNAME`];
  const password = env[`POETRY_HTTP_BASIC_${name}_PASSWORD`];
  switch (tool) {
    case 'poetry':
      // Poetry uploads every dist/ file of the version; --skip-existing lets it
      // complete a release whose first upload stopped half-way. Poetry knows
      // `pypi` only when no -r is given.
      return {
        argv: [
          'poetry',
          'publish',
          ...(repo.name === 'pypi' ? [] : ['-r', repo.name]),
          ...(partlyThere ? ['--skip-existing'] : []),
          ...extra,
        ],
        env: {},
      };
    case 'uv':
      return {
        // only the missing files, and no --check-url: uv follows pypiserver's
        // fallback redirect to pypi.org and compares against PyPI's files
        argv: ['uv', 'publish', '--publish-url', repo.uploadUrl, ...extra, ...files],
        env: token ? { UV_PUBLISH_TOKEN: token } : { UV_PUBLISH_USERNAME: user, UV_PUBLISH_PASSWORD: password },
      };
    case 'pep517':
      return {
        // only the missing files: twine refuses --skip-existing for anything but PyPI
        argv: [
          'python3',
          '-m',
          'twine',
          'upload',
          '--non-interactive',
          '--repository-url',
          repo.uploadUrl,
          ...extra,
          ...files,
        ],
        env: token
          ? { TWINE_USERNAME: '__token__', TWINE_PASSWORD: token }
          : { TWINE_USERNAME: user, TWINE_PASSWORD: password },
      };
  }
}

/** The tool's own explanation of a failure: its last error and the lines that go on from it. */
function failureDetail(output: string, fallback: string): string {
  const lines = stripVTControlCharacters(output)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const last = lines.findLastIndex((l) => /\berror\b|failed|denied|forbidden|unauthori[sz]ed/i.test(l));
  const said = last >= 0 ? lines.slice(last, last + 5) : lines.slice(-1);
  return said.join(' ').replace(/\s+/g, ' ').slice(0, 500) || fallback;
}

/**
 * `nx run <package>:publish`: uploads the package unless the repository's
 * index already has its version (a wheel and an sdist), then waits until the
 * index lists it (the life of a publish is src/publish/publish-package.ts).
 */
export default async function pythonPublish(
  options: PythonPublishOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  // what follows `--` goes to the upload command, or nothing runs
  const extra = publishToolArgs(forwardedArgs(currentTask(context)), UPLOADER[options.tool], PYTHON_PUBLISH_ARGS);
  if (extra.refused.length > 0) {
    process.stderr.write(redact(refusedArgsReport(UPLOADER[options.tool], extra.refused)));
    return { success: false };
  }
  const lost = lostDryRun(invokingCommandLines(), options.dryRun);
  if (lost) {
    process.stderr.write(redact(lost));
    return { success: false };
  }
  const r = await publishPython(options, context, extra.args);
  (r.success ? process.stdout : process.stderr).write(r.output);
  return { success: r.success };
}

/** The command each tool uploads with. */
const UPLOADER: Record<PythonTool, string> = { poetry: 'poetry publish', uv: 'uv publish', pep517: 'twine upload' };

async function publishPython(
  options: PythonPublishOptions,
  context: ExecutorContext,
  extra: string[],
): Promise<PublishResult> {
  const name = options.distribution;
  const version = options.version ?? '';
  const project = context.projectName ?? name;
  const id = { project, name, version, ecosystem: 'python' as const, registry: options.repository ?? '' };
  if (!options.repository) return failedBeforeStart(id, 'no repository configured', NO_REPOSITORY);
  if (!options.version) {
    return failedBeforeStart(
      id,
      'no static version',
      `${name} has no static version in its pyproject.toml ([project].version or [tool.poetry].version): publish needs one to ask the index whether it is already there.\n`,
    );
  }
  let repo: PythonRepository;
  try {
    repo = pythonRepository(options.repository);
  } catch (e) {
    if (!(e instanceof RegistryError)) throw e;
    return failedBeforeStart(id, e.message, `${e.message}\n`);
  }
  const index = repositoryIndex(repo);
  const label = `${name} ${version}`;
  const where = `\`${repo.name}\``;
  const cwd = join(context.root, options.cwd);
  return publishPackage({
    id,
    label,
    where,
    client: index,
    root: context.root,
    dryRun: options.dryRun,
    visibilityTimeoutMs: visibilityTimeoutMs(options.visibilityTimeout),
    // a wheel and an sdist: a complete release, nothing to build
    presence: async () => {
      const files = await index.versionFiles(name, version);
      return { complete: files.some(isWheel) && files.some((f) => !isWheel(f)), files };
    },
    planned: ({ files = [] }) => {
      const partly = files.length > 0 ? ` (it already has ${files.join(', ')}; the rest would be uploaded)` : '';
      return {
        message: `${label} would be built with \`${BUILD[options.tool].join(' ')}\` and uploaded to ${where} (${repo.uploadUrl})${extra.length ? ` by \`${UPLOADER[options.tool]} ${extra.join(' ')}\`` : ''}${partly} (dry run)\n`,
        ...(partly ? { detail: `partly published: ${files.join(', ')}` } : {}),
      };
    },
    preflight: () => credentialsPreflight(options.tool, repo),
    checkCredentials: () => checkRunCredentials(context),
    upload: (now) => buildAndUpload(options, repo, index, cwd, now, extra),
  });
}

/** twine and uv do not upload anonymously (uv may use trusted publishing on PyPI), and would only say so after the build. */
function credentialsPreflight(
  tool: PythonTool,
  repo: PythonRepository,
): { detail: string; message: string } | undefined {
  const credentials = [`POETRY_PYPI_TOKEN_${envName(repo.name)}`, `POETRY_HTTP_BASIC_${envName(repo.name)}_USERNAME`];
  const anonymousOk = tool === 'poetry' || (tool === 'uv' && repo.name === 'pypi');
  if (anonymousOk || credentials.some((v) => process.env[v])) return undefined;
  const who = tool === 'uv' ? 'uv publish' : 'twine';
  return {
    detail: 'no credentials',
    message: `${who} needs credentials for \`${repo.name}\`: set ${credentials[0]} (or ${credentials[1]} and _PASSWORD).\n`,
  };
}

/** Under the version's lock: build, upload what the index does not have. */
async function buildAndUpload(
  options: PythonPublishOptions,
  repo: PythonRepository,
  index: PypiIndex,
  cwd: string,
  now: Presence,
  extra: string[],
): Promise<UploadOutcome> {
  const name = options.distribution;
  const version = options.version ?? '';
  const label = `${name} ${version}`;
  const existing = now.files ?? [];
  // a clean dist/: Poetry refuses to publish from a dist/ holding several versions
  rmSync(join(cwd, 'dist'), { recursive: true, force: true });
  const [buildFile, ...buildArgs] = BUILD[options.tool];
  const build = await runProcess(buildFile, buildArgs, { cwd, onOutput: relayToStdout });
  if (build.exitCode !== 0) {
    return {
      status: 'failed',
      detail: build.signal
        ? `${buildFile} ${howItEnded(build)}`
        : failureDetail(build.output, `${buildFile} ${howItEnded(build)}`),
      ...(build.signal ? { signal: build.signal } : {}),
      message: `${label} was not published: the build failed.\n`,
    };
  }
  const built = readdirSync(join(cwd, 'dist')).filter((f) => {
    const v = fileVersion(f, name);
    return v !== undefined && sameVersion(v, version);
  });
  if (built.length === 0) {
    return {
      status: 'failed',
      detail: 'the build produced no file of this version',
      message: `${label} was not published: the build left no ${name} ${version} file in dist/.\n`,
    };
  }
  const there = new Set(existing.map((f) => f.toLowerCase()));
  const missing = built.filter((f) => !there.has(f.toLowerCase()));
  if (missing.length === 0) return { status: 'there', files: existing };

  const upload = uploadCommand(
    options.tool,
    repo,
    missing.map((f) => join('dist', f)),
    existing.length > 0,
    process.env,
    extra,
  );
  const env = Object.fromEntries(Object.entries(upload.env).filter(([, v]) => v !== undefined));
  const uploadStart = Date.now();
  const r = await runProcess(upload.argv[0], upload.argv.slice(1), {
    cwd,
    env,
    onOutput: relayToStdout,
  });
  if (r.exitCode !== 0) {
    return {
      status: 'failed',
      detail: r.signal
        ? `${upload.argv[0]} ${howItEnded(r)}`
        : failureDetail(r.output, `${upload.argv[0]} ${howItEnded(r)}`),
      ...(r.signal ? { signal: r.signal } : {}),
      message: `${label} was not published to \`${repo.name}\`.\n`,
      // another run may have uploaded it meanwhile: the index says
      mayBeThere: ALREADY_UPLOADED.test(r.output)
        ? async () => {
            const listed = (await index.versionFiles(name, version)).map((f) => f.toLowerCase());
            return built.every((f) => listed.includes(f.toLowerCase()));
          }
        : undefined,
    };
  }
  return {
    status: 'uploaded',
    uploadStart,
    visible: () => index.waitUntilVisible(name, version, visibilityTimeoutMs(options.visibilityTimeout), built),
    message: `${label} is in \`${repo.name}\`'s index (${built.join(', ')})\n`,
  };
}
