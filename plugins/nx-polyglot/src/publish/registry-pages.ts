import { indexPath, SparseIndex } from '../cargo/sparse-index';
import { NpmRegistry } from '../npm/npm-registry';
import { pythonRepository, repositoryIndex } from '../python/pypi-index';
import type { PublishRecord } from './publish-log';
import { RegistryError } from './registry-error';

/**
 * Where a publish-log record's package lives, asked of the registry clients
 * (so the release notes and the summary say what the publish executors
 * used): the registry's URL, and the page of the published version.
 */

type Where = Pick<PublishRecord, 'ecosystem' | 'registry' | 'name' | 'version'>;

function client(r: Where, env: NodeJS.ProcessEnv, cwd: string) {
  try {
    if (r.ecosystem === 'cargo') return new SparseIndex(r.registry, env, undefined, cwd);
    if (r.ecosystem === 'python') return repositoryIndex(pythonRepository(r.registry, env), env);
    const url = /^https?:/.test(r.registry) ? r.registry : env[r.registry];
    return url ? new NpmRegistry(url, r.registry, undefined) : undefined;
  } catch (e) {
    // not configured in this environment: the record's own name is all there is
    if (e instanceof RegistryError) return undefined;
    throw e;
  }
}

/** The registry one way for every ecosystem: its URL (a Python repository's upload URL), else the name the record has. */
export function registryUrl(r: Where, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (r.ecosystem === 'python') {
    try {
      return pythonRepository(r.registry, env).uploadUrl;
    } catch (e) {
      if (e instanceof RegistryError) return r.registry;
      throw e;
    }
  }
  return client(r, env, cwd)?.url ?? r.registry;
}

/** The page of the published version (crates.io, PyPI, npmjs; else its entry in the configured index). */
export function publishedPage(r: Where, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const c = client(r, env, cwd);
  if (c) return c.pageUrl(r.name, r.version);
  // the registry is not configured here: the crate's path in any sparse index, PyPI's page
  if (r.ecosystem === 'cargo') return indexPath(r.name);
  if (r.ecosystem === 'python') return `https://pypi.org/project/${r.name}/${r.version}/`;
  return `${r.registry.replace(/\/?$/, '/')}${r.name}`;
}
