import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPublishLog } from '../src/publish/publish-log';
import { releaseEnv, startRegistries, stopRegistries, verdaccioToken } from './registries';
import { copyRepository } from './repo-copy';

/** What `cargo metadata` says the workspace publishes, and what each crate needs published first. */
export async function publishableCrates(rustDir: string): Promise<Map<string, { version: string; needs: string[] }>> {
  const { stdout } = await execa('cargo', ['metadata', '--no-deps', '--format-version', '1', '--offline'], {
    cwd: rustDir,
  });
  type Dep = { name: string; kind: string | null; req: string; path?: string };
  const packages: Array<{ name: string; version: string; publish: string[] | null; dependencies: Dep[] }> =
    JSON.parse(stdout).packages;
  const publishable = packages.filter((p) => p.publish === null || p.publish.length > 0);
  const names = new Set(publishable.map((p) => p.name));
  return new Map(
    publishable.map((p) => [
      p.name,
      // normal and build dependencies must be in the registry before the upload (dev ones with a version too)
      {
        version: p.version,
        needs: p.dependencies
          .filter((d) => d.path && names.has(d.name) && (d.kind !== 'dev' || d.req !== '*'))
          .map((d) => d.name),
      },
    ]),
  );
}

export const CANARY = `canary-${Math.random().toString(36).slice(2)}-token`;

/** A copy of the repository and fresh registries, with the environment a release runs in. */
export async function releaseSetup(prefix: string) {
  const copy = await copyRepository(prefix);
  const data = mkdtempSync(join(tmpdir(), `${prefix}registries-`));
  const urls = await startRegistries(data, CANARY);
  const npmToken = await verdaccioToken(urls.NPM_CONFIG_REGISTRY, 'release', 'release-password');
  const log = join(data, 'publish.jsonl');
  const env = releaseEnv(copy, urls, { crates: CANARY, npm: npmToken }, { NX_POLYGLOT_PUBLISH_LOG: log });
  const publish = (...args: string[]) =>
    execa('npx', ['nx', 'run-many', '-t', 'publish', '--output-style=static', ...args], {
      cwd: copy,
      env,
      extendEnv: false,
      reject: false,
      all: true,
    });
  const cleanup = async () => {
    await stopRegistries(data);
    rmSync(copy, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  };
  return { copy, data, urls, env, log, publish, cleanup, records: () => readPublishLog(log) };
}
