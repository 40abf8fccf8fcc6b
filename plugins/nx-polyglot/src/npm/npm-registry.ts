import { pollUntil } from '../publish/poll';
import type { RegistryClient } from '../publish/registry-client';
import { RegistryError } from '../publish/registry-error';

/** A registry's way of saying the version is already there (npmjs 403, Verdaccio 409). */
export const ALREADY_PUBLISHED =
  /cannot publish over|previously published|already present|already exists|EPUBLISHCONFLICT|\bE409\b/i;

/** The one client of an npm registry: the versions a packument lists. */
export class NpmRegistry implements RegistryClient {
  readonly url: string;

  constructor(
    url: string,
    /** The variable that set the URL, for messages. */
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
      throw new RegistryError(
        `The npm registry is not reachable at ${this.url} (${why}). Start it, or fix ${this.variable}`,
        this.url,
      );
    }
    if (response.status === 404) return [];
    if (!response.ok) {
      throw new RegistryError(
        `The npm registry at ${this.url} answered ${response.status} ${response.statusText} for ${url}. Start it, or fix ${this.variable}`,
        this.url,
      );
    }
    const packument = (await response.json()) as { versions?: Record<string, unknown> };
    return Object.keys(packument.versions ?? {});
  }

  async has(name: string, version: string): Promise<boolean> {
    return (await this.versions(name)).includes(version);
  }

  /** Polls (bounded, backing off) until the packument lists the version; returns when it did (epoch ms). */
  async waitUntilVisible(name: string, version: string, timeoutMs: number, pollMs = 500): Promise<number> {
    const at = await pollUntil(() => this.has(name, version), { timeoutMs, intervalMs: pollMs });
    if (at !== undefined) return at;
    throw new RegistryError(
      `${name}@${version} was published to ${this.url} but its packument does not list it after ${Math.round(timeoutMs / 1000)} s`,
      this.url,
    );
  }

  /** npmjs's package page; for another registry, the packument. */
  pageUrl(name: string, version: string): string {
    return new URL(this.url).host === 'registry.npmjs.org'
      ? `https://www.npmjs.com/package/${name}/v/${version}`
      : `${this.url}${name}`;
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
