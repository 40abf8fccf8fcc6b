import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPublishLog } from '../src/publish/publish-log';
import { cargoMetadata, isPublished, pathDependencies } from './cargo-metadata';
import { startGithubApiStandIn } from './github-api-stand-in';
import { startRegistryProxy } from './registry-proxy';
import { releaseEnv, startRegistries, stopRegistries, verdaccioToken } from './registries';
import { copyRepository, removeCopy } from './repo-copy';

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
    removeCopy(copy);
    rmSync(data, { recursive: true, force: true });
  };
  return { copy, data, urls, env, log, publish, cleanup, records: () => readPublishLog(log) };
}

/**
 * The GitHub side of a release, on loopback: the API stand-in behind a proxy
 * (so a test can hold, drop or deliver Nx's requests to it), and the git
 * remote `origin` naming github.example.test while pushes go to a local bare
 * repository. The copy's release target is pointed at the stand-in (committed),
 * and its main branch pushed. `env` gets what a release with a token needs.
 */
export async function githubSide(copy: string, env: Record<string, string>) {
  const slug = 'micromegas/micromegas';
  const api = await startGithubApiStandIn(slug);
  const proxy = await startRegistryProxy(new URL(api.apiBaseUrl).origin);
  const file = join(copy, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  pkg.nx.targets.release.options.createRelease = {
    provider: 'github-enterprise-server',
    hostname: 'github.example.test',
    apiBaseUrl: `${proxy.origin.replace(/\/$/, '')}/api/v3`,
  };
  writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
  const git = (cwd: string, ...args: string[]) => execa('git', args, { cwd, env });
  await git(copy, '-c', 'user.name=test', '-c', 'user.email=test@localhost', 'commit', '-qam', 'GitHub stand-in');
  const origin = mkdtempSync(join(tmpdir(), 'nx-polyglot-origin-'));
  await git(origin, 'init', '-q', '--bare');
  await git(copy, 'remote', 'add', 'origin', `https://github.example.test/${slug}.git`);
  await git(copy, 'config', `url.${origin}.pushInsteadOf`, `https://github.example.test/${slug}.git`);
  await git(copy, 'push', '-q', '-u', 'origin', 'main');
  /** The GitHub releases the stand-in created (each accepted POST). */
  const created = () =>
    proxy.writes.filter((w) => w.method === 'POST' && w.path.endsWith('/releases') && w.status === 201);
  const cleanup = async () => {
    await proxy.close();
    await api.close();
    rmSync(origin, { recursive: true, force: true });
  };
  return { slug, api, proxy, origin, created, cleanup, token: `ghp_${Math.random().toString(36).slice(2)}` };
}
