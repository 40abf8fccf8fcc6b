import type { ReadPolicy } from '../registry-fetch';

/**
 * Reads retried quickly, for the registry clients' specs against a loopback
 * server: the retry policy itself is registry-fetch.spec.ts's.
 */
export const FAST_READ_POLICY: ReadPolicy = {
  attempts: 3,
  timeoutMs: 300,
  backoffMs: 10,
  maxBackoffMs: 20,
  budgetMs: 5_000,
  maxRetryAfterMs: 1_000,
};
