import { envName } from '../options';
import { pollUntil } from '../publish/poll';
import type { RegistryClient } from '../publish/registry-client';
import { RegistryError } from '../publish/registry-error';
import { ReadFailure, ReadPolicy, RegistryAnswer, readPolicy, readRegistry } from '../publish/registry-fetch';
import { normalizeName } from './pyproject';

/** An upload tool's way of saying the file is already there (PyPI 400, pypiserver 409, Nexus, Artifactory). */
export const ALREADY_UPLOADED =
  /already exists?|file exists|HTTP Error 409|\b409 Conflict|cannot be updated|overwrite artifact/i;

// PEP 440's grammar, as the `packaging` library writes it (case-insensitive, surrounding spaces allowed)
const PEP440 =
  /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

const PRE: Record<string, string> = {
  a: 'a',
  alpha: 'a',
  b: 'b',
  beta: 'b',
  c: 'rc',
  rc: 'rc',
  pre: 'rc',
  preview: 'rc',
};

/**
 * A version in the form PyPI compares releases by: PEP 440 normalization
 * (`1.0-RC1` -> `1rc1`, `v0.12.00` -> `0.12`) with trailing zeros of the
 * release dropped as `packaging.utils.canonicalize_version` does, because
 * PyPI treats 0.12 and 0.12.0 as one release. A string that is not PEP 440 is
 * only lowercased (legacy files).
 */
export function canonicalVersion(version: string): string {
  const m = PEP440.exec(version);
  if (!m) return version.trim().toLowerCase();
  const [, epoch, release, preLabel, preN, postImplicit, postLabel, postN, dev, devN, local] = m;
  const parts = release.split('.').map(Number);
  while (parts.length > 1 && parts[parts.length - 1] === 0) parts.pop();
  let out = (epoch && Number(epoch) !== 0 ? `${Number(epoch)}!` : '') + parts.join('.');
  if (preLabel) out += `${PRE[preLabel.toLowerCase()]}${Number(preN ?? 0)}`;
  if (postImplicit !== undefined || postLabel) out += `.post${Number(postImplicit ?? postN ?? 0)}`;
  if (dev) out += `.dev${Number(devN ?? 0)}`;
  if (local)
    out += `+${local
      .split(/[-_.]/)
      .map((s) => (/^\d+$/.test(s) ? String(Number(s)) : s.toLowerCase()))
      .join('.')}`;
  return out;
}

export function sameVersion(a: string, b: string): boolean {
  return canonicalVersion(a) === canonicalVersion(b);
}

const SDIST = /\.(tar\.gz|tgz|zip|tar\.bz2|tar\.xz|tar)$/i;

/**
 * The version a distribution file carries, when the file belongs to
 * `project` (any spelling of the name); undefined otherwise. Wheels are
 * `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl` with `-` in
 * the name escaped, so the fields split cleanly. An sdist is `{name}-{version}.tar.gz`,
 * where legacy ones keep the name's hyphens (`micromegas-derive-transit-0.12.0.tar.gz`):
 * it is split where the part before the hyphen is the project's name and the
 * rest a version.
 */
export function fileVersion(filename: string, project: string): string | undefined {
  const want = normalizeName(project);
  const base = filename.split('/').pop() as string;
  if (/\.(whl|egg)$/i.test(base)) {
    const parts = base.slice(0, -4).split('-');
    const wheel = base.toLowerCase().endsWith('.whl');
    if (wheel ? parts.length !== 5 && parts.length !== 6 : parts.length < 2) return undefined;
    return normalizeName(parts[0]) === want ? parts[1] : undefined;
  }
  const ext = SDIST.exec(base);
  if (!ext) return undefined;
  const stem = base.slice(0, -ext[0].length);
  // the name's own hyphens are not the split: the rest must read as a version
  let legacy: string | undefined;
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    if (normalizeName(stem.slice(0, i)) !== want) continue;
    const rest = stem.slice(i + 1);
    if (PEP440.test(rest)) return rest;
    if (/^v?\d/i.test(rest)) legacy ??= rest;
  }
  return legacy;
}

export function isWheel(filename: string): boolean {
  return filename.toLowerCase().endsWith('.whl');
}

/** Where one repository (a Poetry repository name) uploads and what it serves. */
export interface PythonRepository {
  name: string;
  uploadUrl: string;
  simpleUrl: string;
  /** The variables that set them, for messages. */
  urlVariable: string;
  simpleVariable: string;
}

const PYPI = { uploadUrl: 'https://upload.pypi.org/legacy/', simpleUrl: 'https://pypi.org/simple/' };

/**
 * The URLs of a repository, from the variables Poetry reads (one setting
 * serves Poetry and the plugin): the upload URL is POETRY_REPOSITORIES_<NAME>_URL;
 * the PEP 503 simple index is NX_POLYGLOT_PYPI_<NAME>_SIMPLE when set, else
 * derived from the upload URL: `.../legacy/` -> `.../simple/` (PyPI, TestPyPI,
 * devpi-style), otherwise `<url>/simple/` (pypiserver serves both from its root).
 * `pypi` is PyPI itself unless its variable says otherwise.
 */
export function pythonRepository(name: string, env: NodeJS.ProcessEnv = process.env): PythonRepository {
  const urlVariable = `POETRY_REPOSITORIES_${envName(name)}_URL`;
  const simpleVariable = `NX_POLYGLOT_PYPI_${envName(name)}_SIMPLE`;
  const uploadUrl = env[urlVariable] || (name === 'pypi' ? PYPI.uploadUrl : undefined);
  if (!uploadUrl) {
    throw new RegistryError(
      `The upload URL of the Python repository \`${name}\` is not set. Set ${urlVariable} (e.g. http://127.0.0.1:8080/ for pypiserver, https://test.pypi.org/legacy/ for TestPyPI)`,
    );
  }
  const withSlash = (url: string) => url.replace(/\/?$/, '/');
  const explicit = env[simpleVariable];
  const simpleUrl = explicit
    ? withSlash(explicit)
    : name === 'pypi' && !env[urlVariable]
      ? PYPI.simpleUrl
      : /\/legacy\/?$/.test(uploadUrl)
        ? uploadUrl.replace(/\/legacy\/?$/, '/simple/')
        : `${withSlash(uploadUrl)}simple/`;
  return { name, uploadUrl, simpleUrl, urlVariable, simpleVariable };
}

const ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01';

/** File names listed by a PEP 503 HTML page: the text of each anchor, else its href's last segment. */
export function htmlFilenames(html: string): string[] {
  const names: string[] = [];
  for (const m of html.matchAll(/<a\b([^>]*)>([^<]*)<\/a\s*>/gi)) {
    const text = decodeEntities(m[2].trim());
    const href = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(m[1]);
    const fromHref = href
      ? decodeURIComponent(
          decodeEntities(href[1] ?? href[2])
            .split('#')[0]
            .split('?')[0]
            .split('/')
            .pop() ?? '',
        )
      : '';
    const name = text || fromHref;
    if (name) names.push(name);
  }
  return names;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCharCode(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * The one client of a Python package index (PEP 503 HTML / PEP 691 JSON
 * simple API). It reads only the project page, which every index serves,
 * pypiserver included (PyPI's per-release JSON API is PyPI's alone).
 */
export class PypiIndex implements RegistryClient {
  readonly simpleUrl: string;

  constructor(
    simpleUrl: string,
    /** Names the repository and the variables to fix, in messages. */
    private readonly describe: { repository: string; variables: string[] } = { repository: simpleUrl, variables: [] },
    /** How reads are retried; default: readPolicy() from the environment, when a read is made. */
    private readonly policy?: ReadPolicy,
  ) {
    this.simpleUrl = simpleUrl.replace(/\/?$/, '/');
  }

  get url(): string {
    return this.simpleUrl;
  }

  /** `asked`: how often it was asked, when the retries ran out (a bound hit). */
  private unreachable(url: string, why: string, asked?: string): RegistryError {
    const fix = this.describe.variables.length
      ? `Start it, or fix ${this.describe.variables.join(' / ')}`
      : 'Start it, or fix its URL';
    return new RegistryError(
      `The Python repository \`${this.describe.repository}\` is not usable at ${url} (${why}). ${fix}${asked ? `.${asked}` : ''}`,
      this.simpleUrl,
      this.describe.repository,
      asked !== undefined,
    );
  }

  /** Every file name the project's page lists (none when the index does not know the project). */
  async files(project: string): Promise<string[]> {
    let url = `${this.simpleUrl}${normalizeName(project)}/`;
    const origin = new URL(url).origin;
    for (let redirects = 0; ; redirects++) {
      let response: RegistryAnswer;
      try {
        response = await readRegistry(
          url,
          { headers: { accept: ACCEPT, 'cache-control': 'no-cache' }, redirect: 'manual' },
          this.policy ?? readPolicy(),
        );
      } catch (e) {
        if (!(e instanceof ReadFailure)) throw e;
        throw this.unreachable(url, e.lastStatus === undefined ? e.last : `it answered ${e.last}`, e.asked());
      }
      if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
        const next = new URL(response.headers.get('location') as string, url).href;
        // pypiserver sends a project it does not hold to its fallback (pypi.org):
        // what another index has is not published *here*
        if (new URL(next).origin !== origin) return [];
        if (redirects >= 5) throw this.unreachable(url, 'too many redirects');
        url = next;
        continue;
      }
      if (response.status === 404 || response.status === 410) return [];
      if (response.status < 200 || response.status >= 300)
        throw this.unreachable(url, `it answered ${response.status} ${response.statusText}`.trim());
      const body = response.body;
      if ((response.headers.get('content-type') ?? '').includes('json')) {
        let page: { files?: Array<{ filename?: unknown }> };
        try {
          page = JSON.parse(body);
        } catch {
          throw this.unreachable(url, 'it answered JSON that does not parse, not a PEP 691 page');
        }
        return (page.files ?? []).map((f) => f.filename).filter((f): f is string => typeof f === 'string');
      }
      return htmlFilenames(body);
    }
  }

  /** The project's files of that version (yanked ones included: they cannot be uploaded again). */
  async versionFiles(project: string, version: string): Promise<string[]> {
    return (await this.files(project)).filter((f) => {
      const v = fileVersion(f, project);
      return v !== undefined && sameVersion(v, version);
    });
  }

  async isPublished(project: string, version: string): Promise<boolean> {
    return (await this.versionFiles(project, version)).length > 0;
  }

  has(project: string, version: string): Promise<boolean> {
    return this.isPublished(project, version);
  }

  /**
   * Polls (bounded, backing off) until the page lists every one of
   * `filenames` (or, when none are given, any file of the version); returns
   * when it did (epoch ms).
   */
  async waitUntilVisible(
    project: string,
    version: string,
    timeoutMs: number,
    filenames: string[] = [],
    pollMs = 500,
  ): Promise<number> {
    const wanted = filenames.map((f) => f.toLowerCase());
    const listed = async () => {
      const now = (await this.versionFiles(project, version)).map((f) => f.toLowerCase());
      return wanted.length ? wanted.every((f) => now.includes(f)) : now.length > 0;
    };
    const at = await pollUntil(listed, { timeoutMs, intervalMs: pollMs });
    if (at !== undefined) return at;
    throw new RegistryError(
      `${project} ${version} was uploaded to \`${this.describe.repository}\` but ${this.simpleUrl}${normalizeName(project)}/ does not list it after ${Math.round(timeoutMs / 1000)} s; raise visibilityTimeout or check the repository`,
      this.simpleUrl,
      this.describe.repository,
      true,
    );
  }

  /** PyPI's (and TestPyPI's) release page; for another index, the project's simple page, which lists the files. */
  pageUrl(project: string, version: string): string {
    const { origin } = new URL(this.simpleUrl);
    if (origin === 'https://pypi.org' || origin === 'https://test.pypi.org')
      return `${origin}/project/${normalizeName(project)}/${version}/`;
    return `${this.simpleUrl}${normalizeName(project)}/`;
  }
}

/** Whether the simple index at `indexUrl` has a file of `name` at `version`. */
export function isPublished(indexUrl: string, name: string, version: string): Promise<boolean> {
  return new PypiIndex(indexUrl).isPublished(name, version);
}

/** The index client of a repository, its messages naming the variables that set its URL. */
export function repositoryIndex(repo: PythonRepository, env: NodeJS.ProcessEnv = process.env): PypiIndex {
  return new PypiIndex(repo.simpleUrl, {
    repository: repo.name,
    variables: env[repo.simpleVariable]
      ? [repo.simpleVariable]
      : [repo.urlVariable, `${repo.simpleVariable} (the simple index)`],
  });
}
