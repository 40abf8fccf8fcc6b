import { TomlError, parse } from 'smol-toml';

/**
 * A problem in a manifest the user has to fix. It carries the file, the key
 * and what to do, so the message Nx prints is actionable and never a bare
 * stack trace.
 */
export class ManifestError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly fix: string,
    readonly key?: string,
    readonly line?: number,
  ) {
    const where = line ? `${file}:${line}` : file;
    super(`${where}: ${key ? `\`${key}\`: ` : ''}${problem}. ${fix}`);
    this.name = 'ManifestError';
  }
}

/** Parses TOML text, turning a syntax error into a ManifestError with the line. */
export function parseToml(text: string, file: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const firstLine = e.message.split('\n')[0];
      throw new ManifestError(file, `invalid TOML (${firstLine})`, 'Fix the syntax error', undefined, e.line);
    }
    throw e;
  }
}

export type Table = Record<string, unknown>;

export function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
