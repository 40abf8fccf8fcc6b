import { envName } from '../options';
import { pollUntil } from '../publish/poll';
import type { RegistryClient } from '../publish/registry-client';
import { RegistryError } from '../publish/registry-error';
import { ReadFailure, ReadPolicy, RegistryAnswer, readPolicy, readRegistry } from '../publish/registry-fetch';
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
    /** How reads are retried; default: readPolicy() from the environment, when a read is made. */
    private readonly policy?: ReadPolicy,
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
    let answer: RegistryAnswer;
    try {
      answer = await readRegistry(
        url,
        { headers: { 'cache-control': 'no-cache', ...(this.token ? { authorization: this.token } : {}) } },
        this.policy ?? readPolicy(),
      );
    } catch (e) {
      if (!(e instanceof ReadFailure)) throw e;
      const asked = e.asked(`the index file of ${crate} (${url})`);
      throw new RegistryError(
        e.lastStatus === undefined
          ? `The Cargo registry \`${this.registry}\` is not reachable at ${this.url} (${e.last}). Start it, or fix CARGO_REGISTRIES_${envName(this.registry)}_INDEX.${asked}`
          : `The Cargo registry \`${this.registry}\` at ${this.url} answered ${e.last}.${asked}`,
        this.url,
        this.registry,
        true,
      );
    }
    if (answer.status === 404 || answer.status === 410) return [];
    if (answer.status < 200 || answer.status >= 300) {
      throw new RegistryError(
        `The Cargo registry \`${this.registry}\` at ${this.url} answered ${answer.status} ${answer.statusText} for ${url}`,
        this.url,
        this.registry,
      );
    }
    try {
      return answer.body
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as IndexEntry);
    } catch {
      // not JSON's own message: it quotes the body, which may echo what the registry was sent
      throw new RegistryError(
        `The Cargo registry \`${this.registry}\` at ${this.url} answered ${url} with something that is not an index file (a line is not JSON). Check its index URL`,
        this.url,
        this.registry,
      );
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
      this.registry,
      true,
    );
  }

  /** crates.io's page of the version; for another registry, the crate's file in its index. */
  pageUrl(crate: string, version: string): string {
    return this.registry === 'crates-io'
      ? `https://crates.io/crates/${crate}/${version}`
      : `${this.url}${indexPath(crate)}`;
  }
}
