import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPublishLog } from '../src/publish/publish-log';
import { cargoMetadata, isPublished, pathDependencies } from './cargo-metadata';
import { releaseEnv, startRegistries, stopRegistries, verdaccioToken } from './registries';
import { copyRepository } from './repo-copy';

/** What `cargo metadata` says the workspace publishes, and what each crate needs published first. */
export async function publishableCrates(rustDir: string): Promise<Map<string, { version: string; needs: string[] }>> {
  const publishable = (await cargoMetadata(rustDir)).filter(isPublished);
  const paths = pathDependencies(publishable);
  return new Map(
    publishable.map((p) => [
      p.name,
      // normal and build dependencies must be in the registry before the upload (dev ones with a version too)
      {
        version: p.version,
        needs: paths
          .get(p.name)!
          .filter((d) => d.kind !== 'dev' || d.req !== '*')
          .map((d) => d.name),
      },
    ]),
  );
}

/** `ecosystem:name` of every package a publish run of the demo releases: its crates, the Python package, the plugin. */
export function releasedPackages(crates: Iterable<string>): string[] {
  return [...[...crates].map((c) => `cargo:${c}`), 'python:micromegas', 'npm:nx-polyglot'].sort();
}

/** Each package of a publish log as `ecosystem:name status`, sorted: one line per package and outcome. */
export function outcomes(records: Array<{ ecosystem: string; name: string; status: string }>): string[] {
  return records.map((r) => `${r.ecosystem}:${r.name} ${r.status}`).sort();
}

export const CANARY = `canary-${Math.random().toString(36).slice(2)}-token`;

/**
 * A copy of the repository and fresh registries, with the environment a release runs in.
 * `extraEnv` is added to it; `publishLog: false` leaves NX_POLYGLOT_PUBLISH_LOG unset (the
 * release flow then writes its own beside the release notes).
 */
export async function releaseSetup(
  prefix: string,
  { extraEnv = {}, publishLog = true }: { extraEnv?: Record<string, string>; publishLog?: boolean } = {},
) {
  const copy = await copyRepository(prefix);
  const data = mkdtempSync(join(tmpdir(), `${prefix}registries-`));
  const urls = await startRegistries(data, CANARY);
  const npmToken = await verdaccioToken(urls.NPM_CONFIG_REGISTRY, 'release', 'release-password');
  const log = join(data, 'publish.jsonl');
  const env = releaseEnv(
    copy,
    urls,
    { crates: CANARY, npm: npmToken },
    { ...(publishLog ? { NX_POLYGLOT_PUBLISH_LOG: log } : {}), ...extraEnv },
  );
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
