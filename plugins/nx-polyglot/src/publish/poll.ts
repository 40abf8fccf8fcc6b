/**
 * The one bounded wait of the publish code: visibility after an upload, a
 * yank showing in the index. Every such check is a read (idempotent), so the
 * interval may grow: a registry that is slow to show a version is asked less
 * often, while a fast one is seen as soon as it shows it.
 */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface PollOptions {
  timeoutMs: number;
  /** The first interval. */
  intervalMs: number;
  /** The interval grows by this factor after each miss (1: fixed). */
  backoff?: number;
  maxIntervalMs?: number;
}

/**
 * Asks `check` until it says yes or the time is up: the epoch ms of the yes,
 * or undefined when it never came. `check` is always asked at least once,
 * and once more after the deadline passed, so a slow registry is not
 * declared late on a stale answer.
 */
export async function pollUntil(check: () => Promise<boolean>, options: PollOptions): Promise<number | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  const backoff = options.backoff ?? 1.5;
  const max = options.maxIntervalMs ?? 2_000;
  for (let interval = options.intervalMs; ; interval = Math.min(max, interval * backoff)) {
    if (await check()) return Date.now();
    if (Date.now() > deadline) return undefined;
    await sleep(Math.max(0, Math.min(interval, deadline - Date.now() + 1)));
  }
}

/** How long a publish or yank waits for the registry to show it: the `visibilityTimeout` option (seconds), 120 s by default. */
export function visibilityTimeoutMs(seconds: number | undefined): number {
  return (seconds ?? 120) * 1000;
}
