// Who may read and write which scope. A scope is a namespace of entries: the
// default branch's is `main`; a pull request gets its own (`pr-<n>`). The
// scope of a request is in its URL (/scopes/<scope>/v1/cache/<hash>, or
// /v1/cache/<hash> for main); the token decides what it may do there.
//
//   read token   reads main                      (developers, fork pull requests)
//   write token  reads and writes every scope    (pushes to main: the only writer of main)
//   PR token     reads every scope, writes every scope but main  (shared by same-repo pull requests)
//   scope token  reads its scope and main, writes its scope      (minted for one pull request)
//
// A scope token is `nxcs1.<scope>.<expires>.<mac>`: HMAC-SHA256 of the rest
// under NX_CACHE_SERVER_SCOPE_KEY, expiring at <expires> (Unix seconds). Every
// gateway holding the key accepts it; nothing is stored.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const MAIN = 'main';
// Lowercase only: on a case-insensitive file system (macOS, Windows) `MAIN` and `Main` would be main's directory.
export const SCOPE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const SCOPE_TOKEN = /^nxcs1\.([a-z0-9][a-z0-9_-]{0,63})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;
/** The shortest NX_CACHE_SERVER_SCOPE_KEY a gateway (and mint-token) accepts. */
export const MIN_SCOPE_KEY_LENGTH = 32;

const digest = (s) => createHash('sha256').update(s).digest();
const mac = (key, payload) => createHmac('sha256', key).update(payload).digest('base64url');

/** A token for writing `scope` (never main) until `expires` (a Date). */
export function mintScopeToken(key, scope, expires) {
  if (!key || key.length < MIN_SCOPE_KEY_LENGTH)
    throw new Error(`NX_CACHE_SERVER_SCOPE_KEY must have at least ${MIN_SCOPE_KEY_LENGTH} characters, as the gateways require (openssl rand -hex 32).`);
  if (!SCOPE.test(scope)) throw new Error(`"${scope}" is not a scope name (lowercase letters, digits, - and _, at most 64).`);
  if (scope === MAIN) throw new Error(`the ${MAIN} scope is written with the write token only; no scope token can be minted for it.`);
  const payload = `nxcs1.${scope}.${Math.floor(expires.getTime() / 1000)}`;
  return `${payload}.${mac(key, payload)}`;
}

const everything = () => true;
const GRANTS = {
  read: { canRead: (scope) => scope === MAIN, canWrite: () => false },
  write: { canRead: everything, canWrite: everything },
  pr: { canRead: everything, canWrite: (scope) => scope !== MAIN },
};

/**
 * The access check for `Authorization` headers, from the configured tokens
 * (strings; `pr` and `scopeKey` optional). Returns a function giving
 * { who, canRead(scope), canWrite(scope) } or undefined for a missing,
 * unknown or expired token. Tokens are compared as SHA-256 digests: constant
 * time whatever their lengths.
 */
export function accessControl({ read, write, pr, scopeKey }, now = () => Date.now()) {
  const fixed = Object.entries({ read, write, pr })
    .filter(([, token]) => token)
    .map(([who, token]) => ({ who, digest: digest(token) }));
  return (header) => {
    const match = /^Bearer (\S+)$/.exec(header ?? '');
    if (!match) return undefined;
    const token = match[1];
    const scoped = scopeKey && SCOPE_TOKEN.exec(token);
    if (scoped) {
      const [, scope, expires, presented] = scoped;
      const valid = timingSafeEqual(digest(presented), digest(mac(scopeKey, `nxcs1.${scope}.${expires}`)));
      if (!valid || scope === MAIN || Number(expires) * 1000 < now()) return undefined;
      return { who: `scope:${scope}`, canRead: (s) => s === scope || s === MAIN, canWrite: (s) => s === scope };
    }
    const presented = digest(token);
    let found;
    for (const t of fixed) if (timingSafeEqual(presented, t.digest)) found = t.who;
    return found && { who: found, ...GRANTS[found] };
  };
}
