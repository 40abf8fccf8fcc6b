import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexPath } from '../src/cargo/sparse-index';

/** tools/registries: install.sh, start.sh, stop.sh (see its README.md). */
export const registriesTools = join(__dirname, '..', '..', '..', 'tools', 'registries');

export type Registry = 'crates' | 'pypi' | 'npm';

/** The environment without the variables that would point a client elsewhere or authenticate it. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    // npm passes its own config to scripts as npm_config_*; it would win over ours
    if (/^npm_config_/i.test(key)) continue;
    if (
      /^(CARGO_REGISTRIES_|CARGO_REGISTRY_|POETRY_REPOSITORIES_|POETRY_PYPI_TOKEN_|POETRY_HTTP_BASIC_|NPM_TOKEN$|KELLNR_|GITHUB_TOKEN$|GH_TOKEN$)/.test(
        key,
      )
    )
      continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Builds or reuses the registries in the cache (the first kellnr build takes long). */
export async function installRegistries(): Promise<void> {
  await execa('bash', [join(registriesTools, 'install.sh')], { env: cleanEnv(), extendEnv: false, all: true });
}

/** Starts registries on `data` with kellnr's admin token `token`; resolves when they answer. */
export async function startRegistries(
  data: string,
  token: string,
  which: Registry[] = [],
): Promise<Record<string, string>> {
  await execa('bash', [join(registriesTools, 'start.sh'), data, ...which], {
    env: cleanEnv({ CARGO_REGISTRIES_LOCAL_TOKEN: token }),
    extendEnv: false,
    all: true,
  });
  return readRegistriesEnv(data);
}

export async function stopRegistries(data: string, which: Registry[] = []): Promise<void> {
  await execa('bash', [join(registriesTools, 'stop.sh'), data, ...which], {
    env: cleanEnv(),
    extendEnv: false,
    all: true,
  });
}

/** The `export NAME=value` lines of `<data>/registries.env`. */
export function readRegistriesEnv(data: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(data, 'registries.env'), 'utf8').split('\n')) {
    const match = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (match) env[match[1]] = match[2];
  }
  return env;
}

/** The versions of a crate in a sparse index (`index` without `sparse+`), or undefined while it has none. */
export async function sparseIndexEntries(
  index: string,
  name: string,
): Promise<{ vers: string; yanked: boolean }[] | undefined> {
  const response = await fetch(new URL(indexPath(name), index.replace(/^sparse\+/, '')));
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`${response.url}: HTTP ${response.status}`);
  return (await response.text())
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** Polls `probe` until it returns something other than undefined; fails after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/**
 * A publish token for verdaccio: creates the user on first use and logs in
 * afterwards (the adduser API answers both when the request carries the user's
 * Basic credentials). npm reads it from NPM_TOKEN through `<data>/npmrc`.
 */
export async function verdaccioToken(registry: string, user: string, password: string): Promise<string> {
  const response = await fetch(new URL(`-/user/org.couchdb.user:${encodeURIComponent(user)}`, registry), {
    method: 'PUT',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    },
    body: JSON.stringify({ name: user, password }),
  });
  const body = (await response.json()) as { token?: string; error?: string };
  if (!response.ok || !body.token)
    throw new Error(`verdaccio adduser for ${user}: HTTP ${response.status} ${body.error ?? ''}`);
  return body.token;
}

/**
 * The environment a release runs in against started registries: their URLs,
 * the tokens, a non-daemon Nx whose cache lives in the copy, and `extra`.
 */
export function releaseEnv(
  copy: string,
  urls: Record<string, string>,
  tokens: { crates: string; npm: string },
  extra: Record<string, string> = {},
) {
  return cleanEnv({
    ...urls,
    CARGO_REGISTRIES_LOCAL_TOKEN: tokens.crates,
    NPM_TOKEN: tokens.npm,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    NX_CACHE_DIRECTORY: join(copy, '.nx', 'cache'),
    ...extra,
  });
}
