import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Part of every cache key: bump it whenever a parsed model changes shape, so
 * that entries a previous plugin version wrote to disk are never served.
 */
export const MODEL_VERSION = '7';

/**
 * Parsed manifests keyed by path and content hash, in memory and optionally
 * on disk (Nx's workspace data directory), so an unchanged workspace is read
 * but never parsed again — not even by a fresh Nx process.
 */
export class ManifestCache<T> {
  private entries = new Map<string, T>();
  private used = new Set<string>();
  private dirty = false;
  /** How many manifests were actually parsed (not served from the cache). */
  parsed = 0;

  constructor(
    private readonly parse: (text: string, file: string) => T,
    private readonly cacheFile?: string,
  ) {
    if (cacheFile) {
      try {
        this.entries = new Map(Object.entries(JSON.parse(readFileSync(cacheFile, 'utf8'))));
      } catch {
        // no cache yet, or unreadable: start empty
      }
    }
  }

  /** The parsed manifest at `file`, or undefined when the file does not exist. */
  get(file: string): T | undefined {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR')
        return undefined;
      throw e;
    }
    const key = createHash('sha256')
      .update(MODEL_VERSION)
      .update('\0')
      .update(file)
      .update('\0')
      .update(text)
      .digest('hex');
    this.used.add(key);
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = this.parse(text, file);
    this.parsed++;
    this.entries.set(key, value);
    this.dirty = true;
    return value;
  }

  /** Writes the entries used since the last save to disk; stale ones are dropped. */
  save(): void {
    const stale = [...this.entries.keys()].filter((k) => !this.used.has(k));
    stale.forEach((k) => this.entries.delete(k));
    this.used.clear();
    if (!this.cacheFile || (!this.dirty && stale.length === 0)) return;
    mkdirSync(dirname(this.cacheFile), { recursive: true });
    const tmp = `${this.cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.entries)));
    renameSync(tmp, this.cacheFile); // atomic: concurrent Nx workers never read a torn file
    this.dirty = false;
  }
}

/**
 * Names of the sub-directories of `dir` (empty when it does not exist),
 * symbolic links to directories included: Cargo's member globs follow them
 * (`Path::is_dir`), a dangling link is none.
 */
export function subdirectories(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() || (e.isSymbolicLink() && isDirectory(join(dir, e.name))))
      .map((e) => e.name);
  } catch {
    return [];
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
