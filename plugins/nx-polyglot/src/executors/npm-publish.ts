import { redact } from '../known-secrets';
import type { ExecutorContext } from '@nx/devkit';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALREADY_PUBLISHED, NpmRegistry, npmrcFor } from '../npm/npm-registry';
import { checkRunCredentials } from '../publish/publish-credentials';
import { UploadOutcome, failedBeforeStart, publishPackage } from '../publish/publish-package';
import { howItEnded, relayToStdout, runProcess } from '../run-process';
import { visibilityTimeoutMs } from '../publish/poll';
import {
  currentTask,
  forwardedArgs,
  invokingCommandLines,
  lostDryRun,
  publishToolArgs,
  refusedArgsReport,
} from './forwarded-args';
import { NPM_PUBLISH_ARGS } from './publish-args';

export { npmrcFor };

export interface NpmPublishOptions {
  /** The package directory (holding package.json), relative to the Nx workspace root. */
  cwd: string;
  /** The variable holding the registry URL (default NPM_CONFIG_REGISTRY); the token is NPM_TOKEN. */
  registryEnv?: string;
  /** Seconds to wait for the registry to list the upload (default 120). */
  visibilityTimeout?: number;
  dryRun?: boolean;
}

/**
 * `nx run <package>:publish` for an npm package (the plugin's own): publishes
 * unless the registry already lists the version, then waits until it does
 * (the life of a publish is src/publish/publish-package.ts).
 */
export default async function npmPublish(
  options: NpmPublishOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  // what follows `--` goes to npm publish, or nothing runs
  const extra = publishToolArgs(forwardedArgs(currentTask(context)), 'npm publish', NPM_PUBLISH_ARGS);
  if (extra.refused.length > 0) {
    process.stderr.write(redact(refusedArgsReport('npm publish', extra.refused)));
    return { success: false };
  }
  const lost = lostDryRun(invokingCommandLines(), options.dryRun);
  if (lost) {
    process.stderr.write(redact(lost));
    return { success: false };
  }
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
  const id = {
    project: context.projectName ?? name,
    name,
    version,
    ecosystem: 'npm' as const,
    registry: registryUrl ?? variable,
  };
  const result = await (async () => {
    if (!name || !version)
      return failedBeforeStart(
        id,
        'package.json has no name or version',
        `${join(options.cwd, 'package.json')} needs a name and a version to be published.\n`,
      );
    if (manifest.private)
      return failedBeforeStart(
        id,
        'package.json is private',
        `${name} is "private": true in its package.json; npm will not publish it.\n`,
      );
    if (!registryUrl)
      return failedBeforeStart(
        id,
        `${variable} is not set`,
        `The npm registry to publish ${name} to is not set. Set ${variable} to its URL (e.g. http://127.0.0.1:4873/), and NPM_TOKEN to its token.\n`,
      );
    const label = `${name}@${version}`;
    const token = process.env.NPM_TOKEN;
    const registry = new NpmRegistry(registryUrl, variable, token);
    return publishPackage({
      id,
      label,
      where: registry.url,
      client: registry,
      root: context.root,
      dryRun: options.dryRun,
      visibilityTimeoutMs: visibilityTimeoutMs(options.visibilityTimeout),
      planned: () => ({
        message: `${label} would be published to ${registry.url}${extra.args.length ? ` by \`npm publish ${extra.args.join(' ')}\`` : ''} (dry run)\n`,
      }),
      // npm refuses to publish without a token, whatever the registry allows
      preflight: () =>
        token
          ? undefined
          : {
              detail: 'NPM_TOKEN is not set',
              message: `${label} was not published: set NPM_TOKEN to a token of ${registry.url}.\n`,
            },
      checkCredentials: () => checkRunCredentials(context),
      upload: () => upload(registry, name, version, cwd, extra.args),
    });
  })();
  (result.success ? process.stdout : process.stderr).write(result.output);
  return { success: result.success };
}

/** npm publish with a temporary npmrc (the token stays a `${NPM_TOKEN}` reference). */
async function upload(
  registry: NpmRegistry,
  name: string,
  version: string,
  cwd: string,
  extra: string[],
): Promise<UploadOutcome> {
  const label = `${name}@${version}`;
  const dir = mkdtempSync(join(tmpdir(), 'nx-polyglot-npmrc-'));
  const npmrc = join(dir, 'npmrc');
  const uploadStart = Date.now();
  let r;
  try {
    writeFileSync(npmrc, npmrcFor(registry.url), { mode: 0o600 });
    r = await runProcess('npm', ['publish', '--registry', registry.url, '--userconfig', npmrc, ...extra], {
      cwd,
      onOutput: relayToStdout,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (r.exitCode === 0) return { status: 'uploaded', uploadStart, message: `${label} is in ${registry.url}\n` };
  const said = r.output
    .split('\n')
    .filter((l) => /^npm (error|ERR!)/.test(l) && !/complete log of this run/.test(l))
    .slice(0, 3)
    .join(' ')
    .trim();
  return {
    status: 'failed',
    detail: r.signal ? `npm publish ${howItEnded(r)}` : said || `npm publish ${howItEnded(r)}`,
    ...(r.signal ? { signal: r.signal } : {}),
    message: `${label} was not published to ${registry.url}.\n`,
    mayBeThere: ALREADY_PUBLISHED.test(r.output) ? () => registry.has(name, version) : undefined,
  };
}
