import {
  ReadFailure,
  ReadPolicy,
  RegistryAnswer,
  readPolicy,
  readRegistry,
  readRegistryBytes,
} from '../publish/registry-fetch';
import { IndexEntry, RegistryError, indexPath } from './sparse-index';

/** One file of a sparse index as its server answered: what the rehearsal index passes on to cargo. */
export interface IndexFile {
  status: number;
  body: string;
}

/**
 * One sparse index read as files (`config.json`, a crate's file, a `.crate`
 * download), for the rehearsal index to serve from: unlike the publish client
 * (SparseIndex) it passes the registry's bytes on unparsed, and knows the
 * download template. Its reads go through the registries' one retry policy.
 */
export class IndexSource {
  /** The index URL without `sparse+`, ending in `/`. */
  readonly url: string;
  private config?: Promise<string>;

  constructor(
    /** How messages name it: "`local`", "crates.io". */
    readonly label: string,
    url: string,
    /** Sent to this source only; never to the other one, never to cargo. */
    readonly token?: string,
    /** How reads are retried; default: readPolicy() from the environment, when a read is made. */
    private readonly policy?: ReadPolicy,
  ) {
    this.url = url.replace(/^sparse\+/, '').replace(/\/?$/, '/');
  }

  /**
   * A file of the index, or the status it still answered when the retries
   * ran out (a 5xx, a 429 whose Retry-After was waited out or was too long:
   * the rehearsal index passes that on to cargo).
   */
  async file(path: string): Promise<IndexFile> {
    try {
      const answer = await this.read(path, readRegistry);
      return { status: answer.status, body: answer.body };
    } catch (e) {
      if (e instanceof ReadFailure && e.lastStatus !== undefined) return { status: e.lastStatus, body: '' };
      throw e;
    }
  }

  /** A `.crate` from `url` (where this source's download template points), with this source's token. */
  async download(url: string): Promise<RegistryAnswer<Buffer>> {
    try {
      return await this.read(url, readRegistryBytes);
    } catch (e) {
      if (!(e instanceof ReadFailure)) throw e;
      throw new RegistryError(`${this.label} answered ${e.last} for ${url}.${e.asked()}`);
    }
  }

  private async read<Body>(
    pathOrUrl: string,
    reader: (url: string, init: { headers: Record<string, string> }, policy: ReadPolicy) => Promise<Body>,
  ): Promise<Body> {
    const url = new URL(pathOrUrl, this.url).href;
    try {
      return await reader(
        url,
        { headers: this.token ? { authorization: this.token } : {} },
        this.policy ?? readPolicy(),
      );
    } catch (e) {
      // a status is the caller's to report; no answer at all is this source's failure
      if (!(e instanceof ReadFailure) || e.lastStatus !== undefined) throw e;
      throw new RegistryError(`${this.label} is not reachable at ${this.url} (${e.last}).${e.asked(url)}`);
    }
  }

  /** The crate's versions; none when the index has no file for it. */
  async entries(crate: string): Promise<IndexEntry[]> {
    const file = await this.file(indexPath(crate));
    if (file.status === 404 || file.status === 410) return [];
    if (file.status !== 200)
      throw new RegistryError(`${this.label} answered ${file.status} for ${this.url}${indexPath(crate)}`);
    return parseIndexFile(file.body);
  }

  /** The `dl` template of the index's config.json, read once. */
  downloadTemplate(): Promise<string> {
    this.config ??= this.file('config.json').then((file) => {
      const dl = file.status === 200 ? (JSON.parse(file.body) as { dl?: unknown }).dl : undefined;
      if (typeof dl !== 'string')
        throw new RegistryError(`${this.label} has no download URL in ${this.url}config.json (${file.status})`);
      return dl;
    });
    return this.config;
  }
}

export function parseIndexFile(text: string): IndexEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as IndexEntry);
}

/** `{prefix}` of a download template: the index directory of the crate, in the crate's own case. */
function prefix(crate: string): string {
  if (crate.length <= 2) return String(crate.length);
  if (crate.length === 3) return `3/${crate[0]}`;
  return `${crate.slice(0, 2)}/${crate.slice(2, 4)}`;
}

const MARKERS = /\{(crate|version|prefix|lowerprefix|sha256-checksum)\}/g;
const HAS_MARKER = /\{(crate|version|prefix|lowerprefix|sha256-checksum)\}/;

/**
 * Where a registry serves a `.crate`, from its config.json `dl` template as
 * cargo expands it (https://doc.rust-lang.org/cargo/reference/registry-index.html#index-configuration):
 * the markers replaced, or `/{crate}/{version}/download` appended when there are none.
 */
export function downloadUrl(template: string, crate: string, version: string, checksum: string): string {
  const values: Record<string, string> = {
    crate,
    version,
    prefix: prefix(crate),
    lowerprefix: prefix(crate).toLowerCase(),
    'sha256-checksum': checksum,
  };
  // appended as cargo appends it, a trailing `/` of the template kept
  if (!HAS_MARKER.test(template)) return `${template}/${crate}/${version}/download`;
  return template.replace(MARKERS, (_, marker: string) => values[marker]);
}
