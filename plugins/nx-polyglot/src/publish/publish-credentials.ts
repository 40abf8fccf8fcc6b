import type { ExecutorContext } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { registrySettings } from '../cargo/cargo-config';
import { noteSecret, redact } from '../known-secrets';
import { envName } from '../options';
import { pythonRepository } from '../python/pypi-index';

/**
 * Before the first upload of any ecosystem, every registry the publish run
 * will upload to is asked whether it accepts the credentials in the
 * environment, with a request that cannot change anything. A wrong or
 * missing token then stops the whole run before anything is packaged, built
 * or uploaded, naming the variable to fix, instead of showing up as the
 * tool's raw 403 after other ecosystems were already released.
 *
 * - Cargo registries: the token, where cargo finds it (CARGO_REGISTRIES_<NAME>_TOKEN,
 *   else .cargo/config.toml and credentials.toml; see cargo-config.ts), must be set; then an empty `PUT <api>/api/v1/crates/new`
 *   with it, which a registry that checks the token before the body (kellnr)
 *   answers 401/403 for a bad token and 400 for a good one. crates.io reads
 *   the body first, so there only the token's presence is checked.
 * - Python repositories: the upload URL is sent an upload form without a
 *   file, with the credentials Poetry would send (POETRY_PYPI_TOKEN_<NAME> or
 *   POETRY_HTTP_BASIC_<NAME>_USERNAME/_PASSWORD) if any: 401/403 means they
 *   are wrong or needed. A repository without authentication (this
 *   repository's pypiserver runs with `-a . -P .`) accepts anything: there is
 *   nothing to check. PyPI itself: presence only.
 * - npm registries: NPM_TOKEN must be set (npm refuses to publish without one),
 *   and `GET <registry>/-/whoami` with it must name a user (npmjs answers 401
 *   for a bad token, verdaccio 200 with no username).
 *
 * Tokens are only ever sent in an Authorization header, never printed: a
 * registry's answer is quoted with every known secret hidden (known-secrets.ts).
 */

export type Ecosystem = 'cargo' | 'python' | 'npm';

/** A registry the run uploads to, and how the publish executor of that ecosystem names it. */
export interface RunRegistry {
  ecosystem: Ecosystem;
  /** cargo: the registry name; python: the repository name; npm: the variable holding the URL. */
  registry: string;
  /** python: the tool that uploads (uv and twine need credentials, Poetry may upload anonymously). */
  tool?: string;
  /** cargo: the Cargo workspace directory, where cargo looks for `.cargo/config.toml`. */
  cwd?: string;
}

const EXECUTORS: Record<string, Ecosystem> = {
  'nx-polyglot:cargo-publish': 'cargo',
  'nx-polyglot:python-publish': 'python',
  'nx-polyglot:npm-publish': 'npm',
};

/** Every registry a publish task of this run uploads to (the whole task graph, not only this executor's tasks). */
export function runRegistries(context: ExecutorContext): RunRegistry[] {
  const seen = new Map<string, RunRegistry>();
  const add = (project: string, target: string, overrides: Record<string, unknown> = {}) => {
    const config = context.projectGraph?.nodes[project]?.data.targets?.[target];
    const ecosystem = config?.executor ? EXECUTORS[config.executor] : undefined;
    if (!ecosystem) return;
    const options = { ...(config?.options ?? {}), ...overrides } as Record<string, unknown>;
    const registry =
      ecosystem === 'cargo'
        ? (options.registry as string | undefined)
        : ecosystem === 'python'
          ? (options.repository as string | undefined)
          : ((options.registryEnv as string | undefined) ?? 'NPM_CONFIG_REGISTRY');
    // a task without a registry fails on its own, with its own message
    if (!registry) return;
    const tool = ecosystem === 'python' ? ((options.tool as string | undefined) ?? 'poetry') : undefined;
    const cwd = ecosystem === 'cargo' && typeof options.cwd === 'string' ? join(context.root, options.cwd) : undefined;
    const key = `${ecosystem}\0${registry}\0${tool ?? ''}\0${cwd ?? ''}`;
    if (!seen.has(key)) seen.set(key, { ecosystem, registry, ...(tool ? { tool } : {}), ...(cwd ? { cwd } : {}) });
  };
  for (const task of Object.values(context.taskGraph?.tasks ?? {}))
    add(task.target.project, task.target.target, task.overrides as Record<string, unknown>);
  if (context.projectName && context.targetName) add(context.projectName, context.targetName);
  return [...seen.values()];
}

type Probe = { status: number; statusText: string; body?: { username?: unknown } } | { unreachable: string };

async function probe(url: string, init: RequestInit): Promise<Probe> {
  try {
    const response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
    const text = await response.text().catch(() => '');
    let body: { username?: unknown } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: only the status counts
    }
    return {
      status: response.status,
      statusText: response.statusText,
      ...(body && typeof body === 'object' ? { body } : {}),
    };
  } catch (e) {
    return { unreachable: whyUnreachable(e) };
  }
}

function whyUnreachable(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } };
  if (err.name === 'TimeoutError') return 'no answer within 30 s';
  return err.cause?.code ?? err.cause?.errors?.[0]?.code ?? err.cause?.message ?? err.message;
}

type Answer = Exclude<Probe, { unreachable: string }>;
const refused = (p: Answer): boolean => p.status === 401 || p.status === 403;
const statusText = (p: { status: number; statusText: string }) =>
  `${p.status}${p.statusText ? ` ${p.statusText}` : ''}`;

/** crates.io's token as cargo finds it: the variable, else `[registry] token` in cargo's credentials file. Never printed. */
function cratesIoToken(env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env.CARGO_REGISTRY_TOKEN ?? env.CARGO_REGISTRIES_CRATES_IO_TOKEN;
  if (fromEnv) return fromEnv;
  const cargoHome = env.CARGO_HOME ?? join(homedir(), '.cargo');
  for (const name of ['credentials.toml', 'credentials']) {
    const file = join(cargoHome, name);
    if (!existsSync(file)) continue;
    try {
      const token = (parse(readFileSync(file, 'utf8')) as { registry?: { token?: unknown } }).registry?.token;
      if (typeof token === 'string' && token) {
        noteSecret(token);
        return token;
      }
    } catch {
      // cargo will say what is wrong with its own file
    }
  }
  return undefined;
}

async function checkCargo(registry: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const label = `Cargo registry \`${registry}\``;
  if (registry === 'crates-io') {
    // crates.io reads the body before the token: nothing to ask without publishing, only whether there is one
    return cratesIoToken(env)
      ? undefined
      : `${label}: no token. Set CARGO_REGISTRY_TOKEN to a crates.io API token with publish rights (or \`cargo login\`).`;
  }
  const variable = `CARGO_REGISTRIES_${envName(registry)}_TOKEN`;
  const indexVariable = `CARGO_REGISTRIES_${envName(registry)}_INDEX`;
  // where cargo finds them: the environment, .cargo/config.toml from the workspace up, CARGO_HOME, credentials.toml
  let settings: ReturnType<typeof registrySettings>;
  try {
    settings = registrySettings(registry, cwd, env);
  } catch (e) {
    return `${label}: ${(e as Error).message}`;
  }
  const { token, index } = settings;
  if (!token)
    return `${label}: no token. Set ${variable} to a token of that registry with publish rights (or \`cargo login --registry ${registry}\`).`;
  if (!index?.startsWith('sparse+'))
    return `${label}: ${indexVariable} (or index under [registries.${registry}] in .cargo/config.toml) must be its sparse index URL (sparse+http...).`;
  const indexUrl = index.slice('sparse+'.length).replace(/\/?$/, '/');
  let api: string | undefined;
  try {
    const response = await fetch(`${indexUrl}config.json`, {
      headers: { authorization: token },
      signal: AbortSignal.timeout(30_000),
    });
    if (response.status === 401 || response.status === 403) {
      return `${label}: ${variable} was not accepted by ${indexUrl} (${response.status} ${response.statusText}). Set it to a token of that registry.`;
    }
    if (response.ok) api = ((await response.json()) as { api?: string }).api;
    else
      return `${label}: ${indexUrl}config.json answered ${response.status} ${response.statusText}. Fix ${indexVariable}.`;
  } catch (e) {
    return `${label} is not reachable at ${indexUrl} (${whyUnreachable(e)}). Start it, or fix ${indexVariable}.`;
  }
  if (!api) return `${label}: its index has no \`api\` in config.json, so cargo cannot publish there.`;
  const newCrate = `${api.replace(/\/?$/, '')}/api/v1/crates/new`;
  const answer = await probe(newCrate, {
    method: 'PUT',
    headers: { authorization: token, 'content-type': 'application/octet-stream' },
    body: new Uint8Array(0),
  });
  if ('unreachable' in answer)
    return `${label} is not reachable at ${newCrate} (${answer.unreachable}). Start it, or fix ${indexVariable}.`;
  if (refused(answer))
    return `${label}: ${variable} was not accepted by ${api} (${statusText(answer)} for an empty publish request). Set it to a token of that registry with publish rights.`;
  return undefined;
}

async function checkPython(repository: string, tool: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const label = `Python repository \`${repository}\``;
  let repo;
  try {
    repo = pythonRepository(repository, env);
  } catch (e) {
    return `${label}: ${(e as Error).message}.`;
  }
  const name = envName(repository);
  const tokenVariable = `POETRY_PYPI_TOKEN_${name}`;
  const userVariable = `POETRY_HTTP_BASIC_${name}_USERNAME`;
  const token = env[tokenVariable];
  const user = env[userVariable];
  const credentials = token
    ? ['__token__', token]
    : user
      ? [user, env[`POETRY_HTTP_BASIC_${name}_PASSWORD`] ?? '']
      : undefined;
  const variable = token || !user ? tokenVariable : `${userVariable} / _PASSWORD`;
  // twine and uv do not upload anonymously (uv may use trusted publishing on PyPI)
  const anonymousOk = tool === 'poetry' || (tool === 'uv' && repository === 'pypi');
  if (!credentials && (!anonymousOk || repository === 'pypi')) {
    return `${label}: no credentials. Set ${tokenVariable} (or ${userVariable} and _PASSWORD).`;
  }
  if (repository === 'pypi' && !env[repo.urlVariable]) return undefined; // PyPI: presence only
  const form = new FormData();
  form.append(':action', 'file_upload');
  form.append('protocol_version', '1');
  const headers: Record<string, string> = credentials
    ? { authorization: `Basic ${Buffer.from(`${credentials[0]}:${credentials[1]}`).toString('base64')}` }
    : {};
  const answer = await probe(repo.uploadUrl, { method: 'POST', headers, body: form });
  if ('unreachable' in answer)
    return `${label} is not reachable at ${repo.uploadUrl} (${answer.unreachable}). Start it, or fix ${repo.urlVariable}.`;
  if (refused(answer)) {
    return credentials
      ? `${label}: ${variable} was not accepted by ${repo.uploadUrl} (${statusText(answer)} for an upload without a file). Set it to credentials of that repository.`
      : `${label}: ${repo.uploadUrl} needs credentials (${statusText(answer)} for an anonymous upload without a file). Set ${tokenVariable} (or ${userVariable} and _PASSWORD).`;
  }
  return undefined;
}

async function checkNpm(variable: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const url = env[variable];
  // an unset URL is the npm publish executor's own message
  if (!url) return undefined;
  const registry = url.replace(/\/?$/, '/');
  const label = `npm registry ${registry}`;
  const token = env.NPM_TOKEN;
  if (!token)
    return `${label}: no token. Set NPM_TOKEN to a token of that registry (npm does not publish without one).`;
  const answer = await probe(`${registry}-/whoami`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  if ('unreachable' in answer)
    return `${label} is not reachable (${answer.unreachable}). Start it, or fix ${variable}.`;
  if (refused(answer))
    return `${label}: NPM_TOKEN was not accepted (${statusText(answer)} for GET -/whoami). Set it to a token of that registry.`;
  // verdaccio takes an unknown token for an anonymous user: 200 without a username
  if (answer.status === 200 && !answer.body?.username)
    return `${label}: NPM_TOKEN was not accepted (GET -/whoami names no user for it). Set it to a token of that registry.`;
  return undefined;
}

/** One line per registry whose credentials are missing or refused; empty when all are fine. */
export async function credentialProblems(
  registries: RunRegistry[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  const problems = await Promise.all(
    registries.map((r) =>
      r.ecosystem === 'cargo'
        ? checkCargo(r.registry, r.cwd ?? process.cwd(), env)
        : r.ecosystem === 'python'
          ? checkPython(r.registry, r.tool ?? 'poetry', env)
          : checkNpm(r.registry, env),
    ),
  );
  // a status text may echo the token sent (`401 Unauthorized <token>`)
  return problems.filter((p): p is string => p !== undefined).map((p) => redact(p, env));
}

const checked = new Map<string, Promise<string | undefined>>();

/**
 * The check for this run, made once per process (a batch asks for every
 * crate): undefined when every registry of the run accepts its credentials,
 * else the message that stops the upload. Every publish executor calls it
 * before its first upload, so a bad token for one registry keeps the other
 * ecosystems from being released too.
 */
export function checkRunCredentials(context: ExecutorContext): Promise<string | undefined> {
  const registries = runRegistries(context);
  const key = JSON.stringify(registries);
  const known = checked.get(key);
  if (known) return known;
  const result = credentialProblems(registries).then((problems) =>
    problems.length === 0
      ? undefined
      : `Nothing was uploaded: the credentials for ${problems.length === 1 ? 'a registry' : `${problems.length} registries`} of this publish run are missing or not accepted, so no package of any ecosystem is uploaded until they are fixed:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
  );
  checked.set(key, result);
  return result;
}

/** The lines of a credentials refusal, as one sentence for the publish log. */
export function credentialDetail(message: string): string {
  return message
    .split('\n')
    .filter((l) => l.startsWith('  - '))
    .map((l) => l.slice(4))
    .join(' ');
}

/** For tests: forget the results of this process's checks. */
export function resetCredentialCheck(): void {
  checked.clear();
}
