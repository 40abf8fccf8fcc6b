import { envName } from '../options';
import { pollUntil, sleep } from '../publish/poll';
import type { RegistryClient } from '../publish/registry-client';
import { RegistryError } from '../publish/registry-error';
import { registrySettings } from './cargo-config';

export { RegistryError };

/** One line of a sparse index file: one published version. */
export interface IndexEntry {
  name: string;
  vers: string;
  yanked: boolean;
  cksum: string;
}

/** Where a crate's file lives in a sparse index (Cargo's index layout). */
export function indexPath(crate: string): string {
  const name = crate.toLowerCase();
  if (name.length <= 2) return `${name.length}/${name}`;
  if (name.length === 3) return `3/${name[0]}/${name}`;
  return `${name.slice(0, 2)}/${name.slice(2, 4)}/${name}`;
}

/**
 * The one client of a Cargo registry's sparse index. The index URL and token
 * come from the variables cargo itself reads: CARGO_REGISTRIES_<NAME>_INDEX
 * and CARGO_REGISTRIES_<NAME>_TOKEN (crates-io: the public index,
 * CARGO_REGISTRY_TOKEN).
 */
export class SparseIndex implements RegistryClient {
  readonly url: string;
  private readonly token: string | undefined;

  constructor(
    readonly registry: string,
    env: NodeJS.ProcessEnv = process.env,
    private readonly maxRateLimitWaitMs = 120_000,
    /** Where cargo would run: its `.cargo/config.toml` files are searched from there up. */
    configDir = process.cwd(),
  ) {
    const variable = `CARGO_REGISTRIES_${envName(registry)}_INDEX`;
    const settings =
      registry === 'crates-io'
        ? { index: 'sparse+https://index.crates.io/', token: env.CARGO_REGISTRY_TOKEN, source: 'crates.io' }
        : registrySettings(registry, configDir, env);
    const url = settings.index;
    if (!url) {
      throw new RegistryError(
        `The index URL of the Cargo registry \`${registry}\` is not set. Set ${variable} (e.g. sparse+http://127.0.0.1:8000/api/v1/crates/), or index under [registries.${registry}] in .cargo/config.toml`,
      );
    }
    if (!url.startsWith('sparse+'))
      throw new RegistryError(`${settings.source} must be a sparse index URL starting with sparse+ (got ${url})`);
    this.url = url.slice('sparse+'.length).replace(/\/?$/, '/');
    this.token = settings.token;
  }

  /** Every version of `crate` the index lists (none when it has never been published). */
  async versions(crate: string): Promise<IndexEntry[]> {
    const url = this.url + indexPath(crate);
    const started = Date.now();
    for (;;) {
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { 'cache-control': 'no-cache', ...(this.token ? { authorization: this.token } : {}) },
          signal: AbortSignal.timeout(30_000),
        });
      } catch (e) {
        const reason = (e as { cause?: { code?: string; message?: string } }).cause;
        const cause = reason?.code ?? reason?.message ?? (e as Error).message;
        throw new RegistryError(
          `The Cargo registry \`${this.registry}\` is not reachable at ${this.url} (${cause}). Start it, or fix CARGO_REGISTRIES_${envName(this.registry)}_INDEX`,
          this.url,
        );
      }
      if (response.status === 404 || response.status === 410) return [];
      if (response.status === 429) {
        // honour the registry's Retry-After (seconds or an HTTP date), within a bound
        const header = response.headers.get('retry-after') ?? '1';
        const waitMs = /^\d+$/.test(header) ? Number(header) * 1000 : Math.max(0, Date.parse(header) - Date.now());
        if (Date.now() + waitMs - started > this.maxRateLimitWaitMs) {
          throw new RegistryError(
            `The Cargo registry \`${this.registry}\` keeps answering 429 Too Many Requests for ${url}; try again later`,
            this.url,
          );
        }
        await sleep(waitMs);
        continue;
      }
      if (!response.ok) {
        throw new RegistryError(
          `The Cargo registry \`${this.registry}\` answered ${response.status} ${response.statusText} for ${url}`,
          this.url,
        );
      }
      const text = await response.text();
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as IndexEntry);
    }
  }

  async has(crate: string, version: string): Promise<boolean> {
    return (await this.versions(crate)).some((e) => e.vers === version);
  }

  /** Polls (bounded, backing off) until the index lists the version; returns when it did (epoch ms). */
  async waitUntilVisible(crate: string, version: string, timeoutMs: number, pollMs = 200): Promise<number> {
    const at = await pollUntil(() => this.has(crate, version), { timeoutMs, intervalMs: pollMs });
    if (at !== undefined) return at;
    throw new RegistryError(
      `${crate}@${version} was uploaded to \`${this.registry}\` but is not in its index after ${Math.round(timeoutMs / 1000)} s; raise publish.cargo.visibilityTimeout or check the registry at ${this.url}`,
      this.url,
    );
  }

  /** crates.io's page of the version; for another registry, the crate's file in its index. */
  pageUrl(crate: string, version: string): string {
    return this.registry === 'crates-io'
      ? `https://crates.io/crates/${crate}/${version}`
      : `${this.url}${indexPath(crate)}`;
  }
}
