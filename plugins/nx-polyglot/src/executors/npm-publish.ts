import type { ExecutorContext } from '@nx/devkit';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRunCredentials, credentialDetail } from '../publish/publish-credentials';
import { publishLockFile, withPublishLock } from '../publish/publish-lock';
import { PublishRecord, recordPublish } from '../publish/publish-log';
import { howItEnded, runProcess } from '../run-process';

export interface NpmPublishOptions {
  /** The package directory (holding package.json), relative to the Nx workspace root. */
  cwd: string;
  /** The variable holding the registry URL (default NPM_CONFIG_REGISTRY); the token is NPM_TOKEN. */
  registryEnv?: string;
  /** Seconds to wait for the registry to list the upload (default 120). */
  visibilityTimeout?: number;
  dryRun?: boolean;
}

class NpmRegistryError extends Error {
  override name = 'NpmRegistryError';
}

/** A registry's way of saying the version is already there (npmjs 403, Verdaccio 409). */
const ALREADY_THERE =
  /cannot publish over|previously published|already present|already exists|EPUBLISHCONFLICT|\bE409\b/i;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The one client of an npm registry: the versions a packument lists. */
class NpmRegistry {
  readonly url: string;

  constructor(
    url: string,
    private readonly variable: string,
    private readonly token: string | undefined,
  ) {
    this.url = url.replace(/\/?$/, '/');
  }

  async versions(name: string): Promise<string[]> {
    // scoped names keep the @ and escape the slash: @scope%2fname
    const url = this.url + encodeURIComponent(name).replace(/^%40/, '@');
    let response: Response;
    try {
      response = await fetch(url, {
        headers: {
          accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8',
          'cache-control': 'no-cache',
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      const why = err.name === 'TimeoutError' ? 'no answer within 30 s' : (err.cause?.code ?? err.message);
      throw new NpmRegistryError(
        `The npm registry is not reachable at ${this.url} (${why}). Start it, or fix ${this.variable}`,
      );
    }
    if (response.status === 404) return [];
    if (!response.ok) {
      throw new NpmRegistryError(
        `The npm registry at ${this.url} answered ${response.status} ${response.statusText} for ${url}. Start it, or fix ${this.variable}`,
      );
    }
    const packument = (await response.json()) as { versions?: Record<string, unknown> };
    return Object.keys(packument.versions ?? {});
  }

  async waitUntilVisible(name: string, version: string, timeoutMs: number, pollMs = 500): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if ((await this.versions(name)).includes(version)) return Date.now();
      if (Date.now() > deadline) {
        throw new NpmRegistryError(
          `${name}@${version} was published to ${this.url} but its packument does not list it after ${Math.round(timeoutMs / 1000)} s`,
        );
      }
      await sleep(pollMs);
    }
  }
}

/**
 * An npmrc naming the registry and its token as the literal `${NPM_TOKEN}`,
 * which npm expands itself: the secret never lands in a
 * file or on a command line. The key is the registry URL without its scheme
 * (npm's "nerf dart"), path included.
 */
export function npmrcFor(registryUrl: string): string {
  const u = new URL(registryUrl);
  const nerfDart = `//${u.host}${u.pathname.replace(/\/?$/, '/')}`;
  return `registry=${u.href}\n${nerfDart}:_authToken=\${NPM_TOKEN}\n`;
}

/**
 * `nx run <package>:publish` for an npm package (the plugin's own): publishes
 * unless the registry already lists the version, then waits until it does.
 */
export default async function npmPublish(
  options: NpmPublishOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const started = Date.now();
  const cwd = join(context.root, options.cwd);
  const manifest = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as {
    name?: string;
    version?: string;
    private?: boolean;
  };
  const name = manifest.name ?? '';
  const version = manifest.version ?? '';
  const variable = options.registryEnv ?? 'NPM_CONFIG_REGISTRY';
  const registryUrl = process.env[variable];
  const base = {
    project: context.projectName ?? name,
    name,
    version,
    ecosystem: 'npm' as const,
    registry: registryUrl ?? variable,
  };
  const done = (record: Omit<PublishRecord, keyof typeof base | 'seconds'>, success: boolean, message: string) => {
    recordPublish({ ...base, ...record, seconds: (Date.now() - started) / 1000 });
    (success ? process.stdout : process.stderr).write(message);
    return { success };
  };

  if (!name || !version)
    return done(
      { status: 'failed', detail: 'package.json has no name or version' },
      false,
      `${join(options.cwd, 'package.json')} needs a name and a version to be published.\n`,
    );
  if (manifest.private)
    return done(
      { status: 'failed', detail: 'package.json is private' },
      false,
      `${name} is "private": true in its package.json; npm will not publish it.\n`,
    );
  if (!registryUrl) {
    return done(
      { status: 'failed', detail: `${variable} is not set` },
      false,
      `The npm registry to publish ${name} to is not set. Set ${variable} to its URL (e.g. http://127.0.0.1:4873/), and NPM_TOKEN to its token.\n`,
    );
  }
  const label = `${name}@${version}`;
  const token = process.env.NPM_TOKEN;
  const registry = new NpmRegistry(registryUrl, variable, token);
  try {
    if ((await registry.versions(name)).includes(version)) {
      return done(
        { status: 'skipped', detail: 'already published' },
        true,
        `${label} is already in ${registry.url}: skipped\n`,
      );
    }
    if (options.dryRun)
      return done({ status: 'planned' }, true, `${label} would be published to ${registry.url} (dry run)\n`);
    // npm refuses to publish without a token, whatever the registry allows
    if (!token)
      return done(
        { status: 'failed', detail: 'NPM_TOKEN is not set' },
        false,
        `${label} was not published: set NPM_TOKEN to a token of ${registry.url}.\n`,
      );
    // every registry of the run accepts its credentials, or nothing of any ecosystem is uploaded
    const denied = await checkRunCredentials(context);
    if (denied) return done({ status: 'failed', detail: credentialDetail(denied) }, false, denied);
    // another publish run uploading this version right now: wait for it, then ask the registry again
    const lock = publishLockFile(context.root, 'npm', registry.url, name, version);
    const waiting = (holder: string) =>
      process.stdout.write(`${label}: another publish run (${holder}) is uploading it; waiting for it\n`);
    return await withPublishLock(lock, waiting, async () => {
      if ((await registry.versions(name)).includes(version)) {
        return done(
          { status: 'skipped', detail: 'already published' },
          true,
          `${label} is already in ${registry.url} (another run published it meanwhile): skipped\n`,
        );
      }
      return upload();
    });
  } catch (e) {
    if (!(e instanceof NpmRegistryError)) throw e;
    return done({ status: 'failed', detail: e.message }, false, `${e.message}\n`);
  }

  /** Under the version's lock: npm publish with a temporary npmrc, then the wait for the packument. */
  async function upload(): Promise<{ success: boolean }> {
    const dir = mkdtempSync(join(tmpdir(), 'nx-polyglot-npmrc-'));
    const npmrc = join(dir, 'npmrc');
    let r;
    const uploadStart = Date.now();
    try {
      writeFileSync(npmrc, npmrcFor(registry.url), { mode: 0o600 });
      r = await runProcess('npm', ['publish', '--registry', registry.url, '--userconfig', npmrc], {
        cwd,
        onOutput: (c) => process.stdout.write(c),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (r.exitCode !== 0) {
      if (ALREADY_THERE.test(r.output) && (await registry.versions(name)).includes(version)) {
        return done(
          { status: 'skipped', detail: 'already published' },
          true,
          `${label} is already in ${registry.url}: skipped\n`,
        );
      }
      const said = r.output
        .split('\n')
        .filter((l) => /^npm (error|ERR!)/.test(l) && !/complete log of this run/.test(l))
        .slice(0, 3)
        .join(' ')
        .trim();
      const detail = r.signal ? `npm publish ${howItEnded(r)}` : said || `npm publish ${howItEnded(r)}`;
      return done(
        { status: 'failed', detail, ...(r.signal ? { signal: r.signal } : {}) },
        false,
        `${label} was not published to ${registry.url}.\n`,
      );
    }
    const visibleAt = await registry.waitUntilVisible(name, version, (options.visibilityTimeout ?? 120) * 1000);
    return done({ status: 'published', uploadStart, visibleAt }, true, `${label} is in ${registry.url}\n`);
  }
}
