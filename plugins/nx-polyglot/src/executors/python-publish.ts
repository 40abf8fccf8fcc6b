import type { ExecutorContext } from '@nx/devkit';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { envName } from '../options';
import { checkRunCredentials, credentialDetail } from '../publish/publish-credentials';
import { publishLockFile, withPublishLock } from '../publish/publish-lock';
import { PublishRecord, recordPublish } from '../publish/publish-log';
import { howItEnded, runProcess } from '../run-process';
import type { PythonTool } from '../python/pyproject';
import {
  PypiIndex,
  PypiIndexError,
  PythonRepository,
  fileVersion,
  isWheel,
  pythonRepository,
  sameVersion,
} from '../python/pypi-index';
import { BUILD } from '../python/python-targets';

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

/** A registry's way of saying the file is already there (PyPI 400, pypiserver 409, Nexus, Artifactory). */
const ALREADY_THERE = /already exists?|file exists|HTTP Error 409|\b409 Conflict|cannot be updated|overwrite artifact/i;

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
        ],
        env: {},
      };
    case 'uv':
      return {
        // only the missing files, and no --check-url: uv follows pypiserver's
        // fallback redirect to pypi.org and compares against PyPI's files
        argv: ['uv', 'publish', '--publish-url', repo.uploadUrl, ...files],
        env: token ? { UV_PUBLISH_TOKEN: token } : { UV_PUBLISH_USERNAME: user, UV_PUBLISH_PASSWORD: password },
      };
    case 'pep517':
      return {
        // only the missing files: twine refuses --skip-existing for anything but PyPI
        argv: ['python3', '-m', 'twine', 'upload', '--non-interactive', '--repository-url', repo.uploadUrl, ...files],
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
 * index already has its version, then waits until the index lists it. The
 * index decides, so re-running after any failure uploads only what is missing.
 */
export default async function pythonPublish(
  options: PythonPublishOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const started = Date.now();
  const name = options.distribution;
  const version = options.version ?? '';
  const project = context.projectName ?? name;
  const base = { project, name, version, ecosystem: 'python' as const, registry: options.repository ?? '' };
  const done = (record: Omit<PublishRecord, keyof typeof base | 'seconds'>, success: boolean, message: string) => {
    recordPublish({ ...base, ...record, seconds: (Date.now() - started) / 1000 });
    (success ? process.stdout : process.stderr).write(message);
    return { success };
  };

  if (!options.repository) return done({ status: 'failed', detail: 'no repository configured' }, false, NO_REPOSITORY);
  if (!options.version) {
    return done(
      { status: 'failed', detail: 'no static version' },
      false,
      `${name} has no static version in its pyproject.toml ([project].version or [tool.poetry].version): publish needs one to ask the index whether it is already there.\n`,
    );
  }
  const cwd = join(context.root, options.cwd);
  const label = `${name} ${version}`;
  try {
    const repo = pythonRepository(options.repository);
    const index = new PypiIndex(repo.simpleUrl, {
      repository: repo.name,
      variables: process.env[repo.simpleVariable]
        ? [repo.simpleVariable]
        : [repo.urlVariable, `${repo.simpleVariable} (the simple index)`],
    });
    const existing = await index.versionFiles(name, version);
    // a wheel and an sdist: a complete release, nothing to build
    if (existing.some(isWheel) && existing.some((f) => !isWheel(f))) {
      return done(
        { status: 'skipped', detail: 'already published' },
        true,
        `${label} is already in \`${repo.name}\` (${existing.join(', ')}): skipped\n`,
      );
    }
    const partly = existing.length > 0 ? ` (it already has ${existing.join(', ')}; the rest would be uploaded)` : '';
    if (options.dryRun) {
      return done(
        { status: 'planned', ...(partly ? { detail: `partly published: ${existing.join(', ')}` } : {}) },
        true,
        `${label} would be built with \`${BUILD[options.tool].join(' ')}\` and uploaded to \`${repo.name}\` (${repo.uploadUrl})${partly} (dry run)\n`,
      );
    }

    const credentials = [`POETRY_PYPI_TOKEN_${envName(repo.name)}`, `POETRY_HTTP_BASIC_${envName(repo.name)}_USERNAME`];
    // twine and uv do not upload anonymously (uv may use trusted publishing on
    // PyPI), and would only say so after the build
    const anonymousOk = options.tool === 'poetry' || (options.tool === 'uv' && repo.name === 'pypi');
    if (!anonymousOk && !credentials.some((v) => process.env[v])) {
      const who = options.tool === 'uv' ? 'uv publish' : 'twine';
      return done(
        { status: 'failed', detail: 'no credentials' },
        false,
        `${who} needs credentials for \`${repo.name}\`: set ${credentials[0]} (or ${credentials[1]} and _PASSWORD).\n`,
      );
    }
    // every registry of the run accepts its credentials, or nothing of any ecosystem is uploaded
    const denied = await checkRunCredentials(context);
    if (denied) return done({ status: 'failed', detail: credentialDetail(denied) }, false, denied);
    // another publish run uploading this version right now: wait for it, then ask the index again
    const lock = publishLockFile(context.root, 'python', repo.uploadUrl, name, version);
    const waiting = (holder: string) =>
      process.stdout.write(`${label}: another publish run (${holder}) is uploading it; waiting for it\n`);
    return await withPublishLock(lock, waiting, async () => {
      const now = await index.versionFiles(name, version);
      if (now.some(isWheel) && now.some((f) => !isWheel(f))) {
        return done(
          { status: 'skipped', detail: 'already published' },
          true,
          `${label} is already in \`${repo.name}\` (another run published it meanwhile): skipped\n`,
        );
      }
      return buildAndUpload(repo, index, now);
    });
  } catch (e) {
    if (!(e instanceof PypiIndexError)) throw e;
    return done({ status: 'failed', detail: e.message }, false, `${e.message}\n`);
  }

  /** Under the version's lock: build, upload what the index does not have, wait until it lists it. */
  async function buildAndUpload(
    repo: PythonRepository,
    index: PypiIndex,
    existing: string[],
  ): Promise<{ success: boolean }> {
    // a clean dist/: Poetry refuses to publish from a dist/ holding several versions
    rmSync(join(cwd, 'dist'), { recursive: true, force: true });
    const [buildFile, ...buildArgs] = BUILD[options.tool];
    const build = await runProcess(buildFile, buildArgs, { cwd, onOutput: (c) => process.stdout.write(c) });
    if (build.exitCode !== 0) {
      const detail = build.signal
        ? `${buildFile} ${howItEnded(build)}`
        : failureDetail(build.output, `${buildFile} ${howItEnded(build)}`);
      return done(
        { status: 'failed', detail, ...(build.signal ? { signal: build.signal } : {}) },
        false,
        `${label} was not published: the build failed.\n`,
      );
    }
    const built = readdirSync(join(cwd, 'dist')).filter((f) => {
      const v = fileVersion(f, name);
      return v !== undefined && sameVersion(v, version);
    });
    if (built.length === 0) {
      return done(
        { status: 'failed', detail: 'the build produced no file of this version' },
        false,
        `${label} was not published: the build left no ${name} ${version} file in dist/.\n`,
      );
    }
    const there = new Set(existing.map((f) => f.toLowerCase()));
    const missing = built.filter((f) => !there.has(f.toLowerCase()));
    if (missing.length === 0) {
      return done(
        { status: 'skipped', detail: 'already published' },
        true,
        `${label} is already in \`${repo.name}\` (${existing.join(', ')}): skipped\n`,
      );
    }

    const upload = uploadCommand(
      options.tool,
      repo,
      missing.map((f) => join('dist', f)),
      existing.length > 0,
      process.env,
    );
    const env = Object.fromEntries(Object.entries(upload.env).filter(([, v]) => v !== undefined));
    const uploadStart = Date.now();
    const r = await runProcess(upload.argv[0], upload.argv.slice(1), {
      cwd,
      env,
      onOutput: (c) => process.stdout.write(c),
    });
    if (r.exitCode !== 0) {
      // another run may have uploaded it meanwhile: the index says
      if (ALREADY_THERE.test(r.output)) {
        const now = (await index.versionFiles(name, version)).map((f) => f.toLowerCase());
        if (built.every((f) => now.includes(f.toLowerCase()))) {
          return done(
            { status: 'skipped', detail: 'already published' },
            true,
            `${label} is already in \`${repo.name}\`: skipped\n`,
          );
        }
      }
      const detail = r.signal
        ? `${upload.argv[0]} ${howItEnded(r)}`
        : failureDetail(r.output, `${upload.argv[0]} ${howItEnded(r)}`);
      return done(
        { status: 'failed', detail, ...(r.signal ? { signal: r.signal } : {}) },
        false,
        `${label} was not published to \`${repo.name}\`.\n`,
      );
    }
    const visibleAt = await index.waitUntilVisible(name, version, built, (options.visibilityTimeout ?? 120) * 1000);
    return done(
      { status: 'published', uploadStart, visibleAt },
      true,
      `${label} is in \`${repo.name}\`'s index (${built.join(', ')})\n`,
    );
  }
}
