import { redact } from '../known-secrets';
import { sleep } from './poll';

/**
 * The one way the registry clients read a registry (a sparse index file, a
 * simple-index page, a packument): every such read is idempotent, so a
 * transient failure is asked again, a bounded number of times, backing off
 * with jitter. Uploads never come through here: an upload that failed with a
 * 5xx or timed out may have been stored, so the publish asks the registry
 * whether the version is there before anything else (publish-package.ts).
 *
 * Transient: 408, 429 (after the registry's Retry-After), 500, 502, 503, 504,
 * a connection refused or reset, and no answer within the per-request
 * timeout, which an AbortSignal enforces on the headers and the body alike,
 * so a registry that stopped answering (SIGSTOP, a hung proxy) cannot hang a
 * read. Anything else (a 404, a 401, a DNS name that does not exist) is the
 * caller's answer, at once.
 */

export interface ReadPolicy {
  /** Tries of one read in all, the first included. */
  attempts: number;
  /** How long one try may take, headers and body. */
  timeoutMs: number;
  /** The first wait between tries; it doubles after each. */
  backoffMs: number;
  maxBackoffMs: number;
  /** No new try starts once this much time has passed since the first (429 waits aside). */
  budgetMs: number;
  /** The longest wait a 429's Retry-After is honoured for, and the most time 429 waits may add up to. */
  maxRetryAfterMs: number;
  /** In [0, 1): the jitter's source; Math.random unless a test pins it. */
  random?: () => number;
}

/**
 * The defaults, chosen so that a registry outage ends a read in well under a
 * minute while a registry restarting (a few seconds of refused connections
 * or 503s) is ridden out:
 * - 10 s per try: an index file or project page is a few kilobytes that a
 *   healthy registry serves in milliseconds; ten seconds is a registry that
 *   is stalled or drowning, not a slow one;
 * - 5 tries, 1 s doubling to 8 s (waits of 1 + 2 + 4 + 8 s, each jittered
 *   down to half so that parallel tasks do not retry in step): 503s that stop
 *   within ~15 s are not an error;
 * - 30 s budget: a stalled registry costs at most three 10 s tries (~35 s),
 *   a 503 that never stops ~15 s;
 * - Retry-After up to 60 s each and in all: a rate limit is the registry
 *   telling us when to come back, not an outage (crates.io's index CDN asks
 *   for seconds), but a wait of minutes is better reported than sat out.
 */
export const DEFAULT_READ_POLICY: ReadPolicy = {
  attempts: 5,
  timeoutMs: 10_000,
  backoffMs: 1_000,
  maxBackoffMs: 8_000,
  budgetMs: 30_000,
  maxRetryAfterMs: 60_000,
};

/** The variables that override the defaults (the end-to-end tests shorten them; a slow registry may lengthen them). */
export const READ_POLICY_ENV: Record<keyof Omit<ReadPolicy, 'random'>, string> = {
  attempts: 'NX_POLYGLOT_REGISTRY_ATTEMPTS',
  timeoutMs: 'NX_POLYGLOT_REGISTRY_TIMEOUT_MS',
  backoffMs: 'NX_POLYGLOT_REGISTRY_BACKOFF_MS',
  maxBackoffMs: 'NX_POLYGLOT_REGISTRY_MAX_BACKOFF_MS',
  budgetMs: 'NX_POLYGLOT_REGISTRY_BUDGET_MS',
  maxRetryAfterMs: 'NX_POLYGLOT_REGISTRY_MAX_RETRY_AFTER_MS',
};

/** The read policy with the environment's overrides; a value that is not a whole number is an error naming its variable. */
export function readPolicy(env: NodeJS.ProcessEnv = process.env): ReadPolicy {
  const policy = { ...DEFAULT_READ_POLICY };
  for (const [key, variable] of Object.entries(READ_POLICY_ENV) as Array<[keyof typeof READ_POLICY_ENV, string]>) {
    const raw = env[variable];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    const least = key === 'attempts' || key === 'timeoutMs' ? 1 : 0;
    if (!Number.isInteger(value) || value < least)
      throw new Error(
        `${variable}=${raw} is not a whole number${least ? ' of at least 1' : ''}: set it to ${key === 'attempts' ? 'a number of tries' : 'milliseconds'} (default ${DEFAULT_READ_POLICY[key]}), or unset it`,
      );
    policy[key] = value;
  }
  return policy;
}

/** A registry's answer to a read, its body read in full (within the try's timeout). */
export interface RegistryAnswer<Body = string> {
  status: number;
  statusText: string;
  headers: Headers;
  body: Body;
}

/**
 * A read that did not get an answer worth giving the caller within the
 * bounds. `last` says how the last try ended ("503 Service Unavailable",
 * "ECONNREFUSED", "no answer within 10 s"); the registry clients turn it
 * into a RegistryError naming the registry and what to do.
 */
export class ReadFailure extends Error {
  override name = 'ReadFailure';
  /** How the last try ended, every known secret hidden (a status text may echo the token). */
  readonly last: string;

  constructor(
    readonly url: string,
    last: string,
    readonly attempts: number,
    readonly elapsedMs: number,
    readonly lastStatus?: number,
  ) {
    super(redact(`${url}: ${last}`));
    this.last = redact(last);
  }

  /**
   * The sentence that follows a client's message: what was asked and how
   * often ("It was asked for the index file of x 5 times in 14 s."), so the
   * message's first sentence keeps the registry's own answer.
   */
  asked(what?: string): string {
    const of = what ? ` for ${what}` : '';
    if (this.attempts > 1)
      return ` It was asked${of} ${this.attempts} times in ${Math.round(this.elapsedMs / 1000)} s.`;
    return of ? ` It was asked${of}.` : '';
  }
}

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_CODE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The wait a 429 or 503 asks for (Retry-After: seconds or an HTTP date), undefined when it does not say. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The wait before try `n + 1` (n ≥ 1): exponential, capped, jittered into its upper half. */
export function backoffMs(n: number, policy: ReadPolicy): number {
  const full = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (n - 1));
  return Math.round(full / 2 + (full / 2) * (policy.random ?? Math.random)());
}

/** How a try that threw ended, and whether it is worth another. */
function thrown(e: unknown, timeoutMs: number): { last: string; transient: boolean } {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError')
    return { last: `no answer within ${timeoutMs / 1000} s`, transient: true };
  const code = err.cause?.code ?? (err as { code?: string }).code;
  const last = code ?? err.cause?.message ?? err.message;
  return { last, transient: code !== undefined && TRANSIENT_CODE.has(code) };
}

type ReadInit = { headers?: Record<string, string>; redirect?: 'follow' | 'manual' | 'error' };

/**
 * GETs `url` until it answers with something other than a transient
 * failure, within `policy`; the answer (any status the caller should see:
 * 2xx, 3xx with `redirect: 'manual'`, 404...) or a ReadFailure.
 */
export function readRegistry(
  url: string,
  init: ReadInit = {},
  policy: ReadPolicy = readPolicy(),
): Promise<RegistryAnswer> {
  return read(url, init, policy, (response) => response.text());
}

/** readRegistry for a binary body (a `.crate` file). */
export function readRegistryBytes(
  url: string,
  init: ReadInit = {},
  policy: ReadPolicy = readPolicy(),
): Promise<RegistryAnswer<Buffer>> {
  return read(url, init, policy, async (response) => Buffer.from(await response.arrayBuffer()));
}

async function read<Body>(
  url: string,
  init: ReadInit,
  policy: ReadPolicy,
  readBody: (response: Response) => Promise<Body>,
): Promise<RegistryAnswer<Body>> {
  const started = Date.now();
  let rateLimitWaited = 0;
  for (let attempt = 1; ; attempt++) {
    let last: string;
    let status: number | undefined;
    let wait: number | undefined;
    try {
      const signal = AbortSignal.timeout(policy.timeoutMs);
      const response = await fetch(url, { ...init, signal });
      // the body under the same signal: a registry that stalls mid-answer is a timeout too
      const body = await readBody(response);
      if (!TRANSIENT_STATUS.has(response.status))
        return { status: response.status, statusText: response.statusText, headers: response.headers, body };
      status = response.status;
      last = `${response.status} ${response.statusText}`.trim();
      if (response.status === 429 || response.status === 503) {
        wait = retryAfterMs(response.headers.get('retry-after'));
        if (wait !== undefined && (wait > policy.maxRetryAfterMs || rateLimitWaited + wait > policy.maxRetryAfterMs))
          throw new ReadFailure(
            url,
            `${last}, asking to wait ${Math.ceil(wait / 1000)} s`,
            attempt,
            Date.now() - started,
            status,
          );
      }
    } catch (e) {
      if (e instanceof ReadFailure) throw e;
      const how = thrown(e, policy.timeoutMs);
      if (!how.transient) throw new ReadFailure(url, how.last, attempt, Date.now() - started);
      last = how.last;
    }
    const delay = wait ?? backoffMs(attempt, policy);
    // a Retry-After wait is the registry's own schedule: it counts against its own bound, not the outage budget
    const overBudget = wait === undefined && Date.now() + delay - started - rateLimitWaited > policy.budgetMs;
    if (attempt >= policy.attempts || overBudget)
      throw new ReadFailure(url, last, attempt, Date.now() - started, status);
    if (wait !== undefined) rateLimitWaited += wait;
    await sleep(delay);
  }
}
