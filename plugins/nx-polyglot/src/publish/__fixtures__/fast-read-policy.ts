import type { ReadPolicy } from '../registry-fetch';

/**
 * Reads retried quickly, for the registry clients' specs against a loopback
 * server: the retry policy itself is registry-fetch.spec.ts's. Waits are
 * short; the per-try timeout is not, so a loaded machine that is slow to
 * answer is no failure (a spec that wants a timeout sets its own).
 */
export const FAST_READ_POLICY: ReadPolicy = {
  attempts: 3,
  timeoutMs: 2_000,
  backoffMs: 10,
  maxBackoffMs: 20,
  budgetMs: 5_000,
  maxRetryAfterMs: 1_000,
};
