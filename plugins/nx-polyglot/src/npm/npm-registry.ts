import { pollUntil } from '../publish/poll';
import type { RegistryClient } from '../publish/registry-client';
import { RegistryError } from '../publish/registry-error';
import { ReadFailure, ReadPolicy, RegistryAnswer, readPolicy, readRegistry } from '../publish/registry-fetch';

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
    /** How reads are retried; default: readPolicy() from the environment, when a read is made. */
    private readonly policy?: ReadPolicy,
  ) {
    this.url = url.replace(/\/?$/, '/');
  }

  async versions(name: string): Promise<string[]> {
    // scoped names keep the @ and escape the slash: @scope%2fname
    const url = this.url + encodeURIComponent(name).replace(/^%40/, '@');
    let answer: RegistryAnswer;
    try {
      answer = await readRegistry(
        url,
        {
          headers: {
            accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8',
            'cache-control': 'no-cache',
            ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          },
        },
        this.policy ?? readPolicy(),
      );
    } catch (e) {
      if (!(e instanceof ReadFailure)) throw e;
      const asked = e.asked(`the packument of ${name} (${url})`);
      throw new RegistryError(
        e.lastStatus === undefined
          ? `The npm registry is not reachable at ${this.url} (${e.last}). Start it, or fix ${this.variable}.${asked}`
          : `The npm registry at ${this.url} answered ${e.last}.${asked}`,
        this.url,
        this.url,
        true,
      );
    }
    if (answer.status === 404) return [];
    if (answer.status < 200 || answer.status >= 300) {
      throw new RegistryError(
        `The npm registry at ${this.url} answered ${answer.status} ${answer.statusText} for ${url}. Start it, or fix ${this.variable}`,
        this.url,
        this.url,
      );
    }
    let packument: { versions?: Record<string, unknown> };
    try {
      packument = JSON.parse(answer.body) as typeof packument;
    } catch {
      throw new RegistryError(
        `The npm registry at ${this.url} answered ${url} with something that is not a packument (JSON that does not parse). Check ${this.variable}`,
        this.url,
        this.url,
      );
    }
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
      this.url,
      true,
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
