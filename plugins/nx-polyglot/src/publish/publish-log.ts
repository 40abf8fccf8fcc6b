import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { redact } from '../known-secrets';

/** What happened to one package in a publish run. */
export interface PublishRecord {
  /** The Nx project. */
  project: string;
  /** The package name in its registry. */
  name: string;
  version: string;
  ecosystem: 'cargo' | 'python' | 'npm';
  /** The registry name or URL (never a token). */
  registry: string;
  status: 'published' | 'skipped' | 'failed' | 'planned';
  /** Why it was skipped or failed, in a sentence. */
  detail?: string;
  /** The signal that killed the publishing tool (SIGKILL, SIGTERM), when one did. */
  signal?: string;
  /** Epoch milliseconds: when the upload began, and when the index first showed the version. */
  uploadStart?: number;
  visibleAt?: number;
  seconds: number;
}

/**
 * The publish executors append one JSON line per package to the file named by
 * NX_POLYGLOT_PUBLISH_LOG, when set: the release summary and the end-to-end
 * tests read it. Nx runs tasks in several processes, so a shared append-only
 * file is the simplest channel.
 */
export const PUBLISH_LOG_ENV = 'NX_POLYGLOT_PUBLISH_LOG';

export function recordPublish(record: PublishRecord): void {
  const file = process.env[PUBLISH_LOG_ENV];
  // a detail may quote a registry that echoed its token: every string is written with the known secrets hidden
  const hidden = (_: string, value: unknown) => (typeof value === 'string' ? redact(value) : value);
  if (file) appendFileSync(file, JSON.stringify(record, hidden) + '\n');
}

export function readPublishLog(file: string): PublishRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as PublishRecord);
}
