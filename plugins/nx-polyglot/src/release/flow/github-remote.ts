/**
 * Where a GitHub release goes, decided from plain data: the token variables
 * Nx's GitHub client reads, the host the `createRelease` option names, and the
 * repository a git remote URL points at (as Nx reads it: `owner/repo` of a
 * remote on that host).
 */

/** nx.json's `changelog.createRelease` shapes for GitHub. */
export type CreateReleaseConfig =
  'github' | { provider: 'github-enterprise-server'; hostname: string; apiBaseUrl?: string };

/** The variables Nx's GitHub client takes a token from, in its order. */
export const GITHUB_TOKEN_VARIABLES = ['GITHUB_TOKEN', 'GH_TOKEN'] as const;

/** The name (never the value) of the variable holding the token, if one is set. */
export function githubTokenVariable(env: Record<string, string | undefined>): string | undefined {
  return GITHUB_TOKEN_VARIABLES.find((name) => env[name]);
}

export function githubHost(config: CreateReleaseConfig): string {
  return config === 'github' ? 'github.com' : config.hostname;
}

/** A remote URL without credentials, fit to print. */
export function redactRemote(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

const sameHost = (actual: string, expected: string) =>
  actual
    .toLowerCase()
    .replace(/^ssh\./, '')
    .split(':')[0] === expected.toLowerCase().split(':')[0];

/**
 * `owner/repo` of a remote on `host`: `https://host/owner/repo(.git)`,
 * `ssh://git@host/owner/repo` or `git@host:owner/repo`; undefined for a
 * remote elsewhere or without two path segments.
 */
export function githubSlug(remoteUrl: string, host: string): string | undefined {
  const scp = /^[^@/\s]+@([^:/\s]+):(.+)$/.exec(remoteUrl);
  let actualHost: string;
  let path: string;
  if (scp) {
    [, actualHost, path] = scp;
  } else {
    try {
      const url = new URL(remoteUrl);
      [actualHost, path] = [url.hostname, url.pathname];
    } catch {
      return undefined;
    }
  }
  if (!sameHost(actualHost, host)) return undefined;
  const segments = path
    .replace(/^\/+|\/+$/g, '')
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean);
  return segments.length >= 2 ? segments.slice(0, 2).join('/') : undefined;
}
