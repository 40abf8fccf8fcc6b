import { redact } from '../known-secrets';

/**
 * A registry could not be asked, or did not do what the publish needs. One
 * type for every ecosystem's registry: the message names the registry (its
 * URL), what was or was not published, and what to do; `url` carries the
 * registry's URL for callers that report it apart. The message quotes the
 * registry's answers, which may echo the token it was sent: every known
 * secret in it is hidden (known-secrets.ts).
 */
export class RegistryError extends Error {
  override name = 'RegistryError';

  constructor(
    message: string,
    readonly url?: string,
    /** The registry as its configuration names it (`local`), for the rerun advice. */
    readonly registry?: string,
    /**
     * The registry did not answer, or did not show an upload, within the
     * bounds (registry-fetch.ts, poll.ts): nothing is wrong with the run
     * itself, and a rerun once the registry answers publishes the rest.
     */
    readonly boundHit = false,
  ) {
    super(redact(message));
  }
}
