import { execa } from 'execa';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PublishRecord, readPublishLog } from '../src/publish/publish-log';
import { CANARY } from './release-setup';
import {
  Registry,
  releaseEnv,
  sparseIndexEntries,
  startRegistries,
  stopRegistries,
  verdaccioToken,
} from './registries';
import { ProxiedWrite, RegistryProxy, startRegistryProxy, throughProxies } from './registry-proxy';
import { copyRepository, removeCopy, repoRoot } from './repo-copy';

/** One package of the publish plan, as the plugin plans it (a dry run's publish log). */
export interface PlannedPackage {
  ecosystem: 'cargo' | 'python' | 'npm';
  name: string;
  version: string;
  /** The Nx project that publishes it (for `--projects`). */
  project?: string;
}

export const REGISTRY_OF: Record<PlannedPackage['ecosystem'], Registry> = {
  cargo: 'crates',
  python: 'pypi',
  npm: 'npm',
};

export const label = (p: { ecosystem: string; name: string }) => `${p.name} (${p.ecosystem})`;

/**
 * A copy of the repository, real registries, and a proxy in front of each
 * (the environment points at the proxies), so a test can cut, stall or
 * fail any registry at an exact request, and count every upload the
 * registries received.
 */
export async function proxiedRelease(prefix: string, extraEnv: Record<string, string> = {}) {
  const copy = await copyRepository(prefix);
  pinPluginBuild(copy);
  await execa('git', ['-c', 'user.name=test', '-c', 'user.email=test@localhost', 'commit', '-qam', 'pinned build'], {
    cwd: copy,
  });
  const data = mkdtempSync(join(tmpdir(), `${prefix}registries-`));
  const real = await startRegistries(data, CANARY);
  const npmToken = await verdaccioToken(real.NPM_CONFIG_REGISTRY, 'release', 'release-password');
  const proxies: Record<Registry, RegistryProxy> = {
    crates: await startRegistryProxy(new URL(real.CARGO_REGISTRIES_LOCAL_INDEX.replace(/^sparse\+/, '')).origin),
    pypi: await startRegistryProxy(new URL(real.POETRY_REPOSITORIES_LOCAL_URL).origin),
    npm: await startRegistryProxy(new URL(real.NPM_CONFIG_REGISTRY).origin),
  };
  const urls = throughProxies(real, proxies);
  const log = join(data, 'publish.jsonl');
  const env = releaseEnv(copy, urls, { crates: CANARY, npm: npmToken }, { NX_POLYGLOT_PUBLISH_LOG: log, ...extraEnv });
  const nx = (args: string[], extra: Record<string, string> = {}, options: { detached?: boolean } = {}) =>
    execa('npx', ['nx', ...args, '--output-style=static'], {
      cwd: copy,
      env: { ...env, ...extra },
      extendEnv: false,
      reject: false,
      all: true,
      detached: options.detached ?? false,
    });
  const publish = (...args: string[]) => nx(['run-many', '-t', 'publish', ...args]);

  /** The plan, from the plugin: crates in the order of its waves, then the Python and npm packages. */
  const plan = async (): Promise<PlannedPackage[]> => {
    const scratch = join(data, 'plan.jsonl');
    writeFileSync(scratch, '');
    const run = await nx(['run-many', '-t', 'publish', '--dry-run'], { NX_POLYGLOT_PUBLISH_LOG: scratch });
    if (run.exitCode !== 0) throw new Error(`the dry run failed:\n${run.all}`);
    const records = readPublishLog(scratch).filter((r) => r.status === 'planned');
    const waves = [...run.all.matchAll(/^\s+wave \d+: (.*)$/gm)].flatMap((m) =>
      m[1].split(', ').map((c) => c.split(' ')[0]),
    );
    const order = (r: PublishRecord) =>
      r.ecosystem === 'cargo' ? waves.indexOf(r.name) : r.ecosystem === 'python' ? 1_000 : 2_000;
    return records
      .sort((a, b) => order(a) - order(b))
      .map((r) => ({ ecosystem: r.ecosystem, name: r.name, version: r.version, project: r.project }));
  };

  /** Every upload the registries accepted (2xx), by package and version. */
  const uploads = (): string[] => Object.values(proxies).flatMap((p) => p.writes.flatMap(uploadsIn));

  /** Which of `packages` each registry's index holds (each asked directly, not through its proxy). */
  const present = async (packages: PlannedPackage[]): Promise<Set<string>> => {
    const found = new Set<string>();
    for (const p of packages) if (await inIndex(real, p)) found.add(label(p));
    return found;
  };

  /** The release group at `version` (the plugin's bump), and the plugin's own npm package at `npmVersion`. */
  const setVersions = async (version: string, npmVersion: string) => {
    const bumped = await nx(['run', 'micromegas-monorepo:bump', `--to=${version}`]);
    if (bumped.exitCode !== 0) throw new Error(`bump to ${version} failed:\n${bumped.all}`);
    const file = join(copy, 'plugins/nx-polyglot/package.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
    manifest.version = npmVersion;
    writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
    // cargo publishes a crate only from a committed tree (a minor bump edits members' requirements too)
    await execa('git', ['-c', 'user.name=test', '-c', 'user.email=test@localhost', 'commit', '-qam', version], {
      cwd: copy,
    });
  };

  const restart = async (registry: Registry) => {
    await stopRegistries(data, [registry]);
    await startRegistries(data, CANARY, [registry]);
    await proxies[registry].up();
  };

  const cleanup = async () => {
    for (const p of Object.values(proxies)) await p.close();
    await stopRegistries(data);
    removeCopy(copy);
    rmSync(data, { recursive: true, force: true });
  };
  return {
    copy,
    data,
    real,
    urls,
    env,
    log,
    proxies,
    nx,
    publish,
    plan,
    uploads,
    present,
    setVersions,
    restart,
    cleanup,
    records: () => readPublishLog(log),
  };
}

/**
 * The copy's plugin build as it is now, its own: the copy shares the
 * original's dist/ through a link, and the npm package's publish builds it
 * first, from the copy's sources: a long fault sweep would rewrite the dist
 * every other suite loads, and load the plugin from whatever those sources
 * were when the copy was taken. So the dist is copied in and the npm
 * package publishes it as built.
 */
function pinPluginBuild(copy: string): void {
  const dist = join(copy, 'plugins/nx-polyglot/dist');
  unlinkSync(dist);
  cpSync(join(repoRoot, 'plugins/nx-polyglot/dist'), dist, { recursive: true, dereference: true });
  const file = join(copy, 'plugins/nx-polyglot/package.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
    nx: { targets: Record<string, { dependsOn?: string[] }> };
  };
  manifest.nx.targets.publish.dependsOn = [];
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

export type ProxiedReleaseSession = Awaited<ReturnType<typeof proxiedRelease>>;

/** The package versions an accepted request uploaded (a crate, a Python file, an npm version); none for a probe. */
export function uploadsIn(w: ProxiedWrite): string[] {
  if (w.status < 200 || w.status >= 300) return [];
  if (w.method === 'PUT' && w.path.endsWith('/api/v1/crates/new') && w.body.length > 4) {
    // cargo's publish body: a little-endian u32 length, then the metadata JSON
    const length = w.body.readUInt32LE(0);
    const meta = JSON.parse(w.body.subarray(4, 4 + length).toString('utf8')) as { name: string; vers: string };
    return [`${meta.name}@${meta.vers} (cargo)`];
  }
  const text = w.body.toString('latin1');
  if (w.method === 'POST') {
    const file = /filename="([^"]+)"/.exec(text);
    return file ? [`${file[1]} (python)`] : [];
  }
  if (w.method === 'PUT' && text.startsWith('{')) {
    const doc = JSON.parse(text) as { name?: string; versions?: Record<string, unknown> };
    return Object.keys(doc.versions ?? {}).map((v) => `${doc.name}@${v} (npm)`);
  }
  return [];
}

/** Whether the registry's index lists the package version (for Python: its wheel and its sdist). */
export async function inIndex(real: Record<string, string>, p: PlannedPackage): Promise<boolean> {
  if (p.ecosystem === 'cargo')
    return (
      (await sparseIndexEntries(real.CARGO_REGISTRIES_LOCAL_INDEX, p.name))?.some((e) => e.vers === p.version) ?? false
    );
  if (p.ecosystem === 'python') {
    const page = await fetch(`${real.LOCAL_PYPI_SIMPLE_URL}${p.name}/`);
    if (page.status === 404) return false;
    const files = pythonFiles(await page.text(), p);
    return files.some((f) => f.endsWith('.whl')) && files.some((f) => f.endsWith('.tar.gz'));
  }
  const doc = await fetch(`${real.NPM_CONFIG_REGISTRY}${p.name}`);
  if (doc.status === 404) return false;
  return p.version in (((await doc.json()) as { versions?: Record<string, unknown> }).versions ?? {});
}

/** The files of one version a simple index page lists (each as often as it is listed). */
export function pythonFiles(page: string, p: { name: string; version: string }): string[] {
  const prefix = `${p.name.replace(/-/g, '_')}-${p.version}`;
  return [...page.matchAll(/>([^<]+)<\/a>/g)].map((m) => m[1].trim()).filter((f) => f.startsWith(prefix));
}

/**
 * What the proxy sees first once `p` is in its registry: the index response
 * that lists the version (cargo's and the plugin's own polls; the simple page
 * with both Python files; the packument).
 */
export function showsPackage(p: PlannedPackage, r: { method: string; path: string; status: number; body: string }) {
  if (r.method !== 'GET' || r.status !== 200) return false;
  if (p.ecosystem === 'cargo')
    return (
      r.path.endsWith(`/${p.name}`) &&
      r.body.split('\n').some((line) => line.includes(`"name":"${p.name}"`) && line.includes(`"vers":"${p.version}"`))
    );
  if (p.ecosystem === 'python') {
    if (!r.path.includes(`/simple/${p.name}/`)) return false;
    const files = pythonFiles(r.body, p);
    return files.some((f) => f.endsWith('.whl')) && files.some((f) => f.endsWith('.tar.gz'));
  }
  if (!r.path.endsWith(`/${p.name}`)) return false;
  try {
    return p.version in ((JSON.parse(r.body) as { versions?: Record<string, unknown> }).versions ?? {});
  } catch {
    return false;
  }
}

/** Uploads that happened more than once. */
export function duplicates(uploads: string[]): string[] {
  return [...new Set(uploads.filter((u, i) => uploads.indexOf(u) !== i))];
}
