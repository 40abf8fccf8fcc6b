/**
 * What must never leave this plugin: every secret it knows of, replaced by
 * `***` in whatever it prints or writes. A registry may echo the token it was
 * sent (`403 {"errors":[{"detail":"token <the token>"}]}`, a status text
 * `401 Unauthorized <token>`), and that answer travels through the tools'
 * output we relay, our HTTP error messages, the publish log and the release
 * flow's output; each of those exits calls redact() (or a SecretFilter for a
 * stream), so no message has to be written with its secrets in mind.
 *
 * The secrets are the values of the variables that hold credentials (the
 * registry, Poetry, npm, remote cache, GitHub and S3 tokens), read when the
 * text is redacted so a variable set later counts, and the tokens the plugin
 * itself read from a file (cargo's credentials.toml, noteSecret()). Each is
 * hidden as it is, URL-encoded, JSON-escaped and inside base64 (an HTTP Basic
 * `user:password` header, whatever the user name); so is the password of any
 * URL (`https://user:<password>@host`).
 */

/** The variables whose values are secrets (names compared case-insensitively: npm reads `npm_config_*` either way). */
const SECRET_VARIABLES: RegExp[] = [
  /^CARGO_REGISTRY_TOKEN$/,
  /^CARGO_REGISTRIES_.+_TOKEN$/,
  /^POETRY_PYPI_TOKEN_.+$/,
  /^POETRY_HTTP_BASIC_.+_PASSWORD$/,
  /^(UV_PUBLISH_TOKEN|UV_PUBLISH_PASSWORD|TWINE_PASSWORD)$/,
  /^(NPM_TOKEN|NODE_AUTH_TOKEN)$/,
  /^npm_config_.*_auth/,
  /^NX_CACHE_.*(TOKEN|KEY)/,
  /^NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN$/,
  /^NX_CLOUD_(ACCESS|AUTH)_TOKEN$/,
  /^(GITHUB_TOKEN|GH_TOKEN)$/,
  /^AWS_(SECRET_ACCESS_KEY|SESSION_TOKEN)$/,
];

/**
 * Values shorter than this are not hidden. A value that short is not a
 * secret worth the name (it is guessed in seconds), and hiding it would
 * mangle everything printed: pypiserver's `-P .` password `.`, a test's `x`
 * or `1` would turn every dot or digit of a log into `***`. Real tokens are
 * far longer (crates.io 32 characters, GitHub 40, PyPI over 100).
 */
export const MIN_SECRET_LENGTH = 8;

export const MASK = '***';

const noted = new Set<string>();

/** A secret the plugin read itself (from a credentials file): hidden from now on in this process. */
export function noteSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) noted.add(value);
}

const SECRET_VARIABLE = new RegExp(SECRET_VARIABLES.map((p) => `(?:${p.source})`).join('|'), 'i');

/** The values of the secret variables in `env`. */
function envSecrets(env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  // names first, values only of the matching ones: each value of process.env is a getenv call
  for (const name of Object.keys(env)) {
    if (!SECRET_VARIABLE.test(name)) continue;
    const value = env[name];
    if (value && value.length >= MIN_SECRET_LENGTH) values.push(value);
  }
  return values;
}

/** The secrets known now: the values of the secret variables in `env`, and the noted ones. */
export function knownSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  return [...new Set([...envSecrets(env), ...noted])];
}

/**
 * The text of base64 that any encoding of `secret` contains, for each of the
 * three byte alignments it may start at: the characters built from the
 * secret's bytes alone (the one or two at each end that mix in the
 * neighbouring bytes are left: they carry at most 12 bits of the secret).
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    cores.push(encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6)));
  }
  return cores;
}

/** Every form in which `secret` may appear in a text. */
function formsOf(secret: string): string[] {
  const uri = encodeURIComponent(secret);
  return [
    secret,
    uri,
    uri.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    uri.replace(/%20/g, '+'),
    JSON.stringify(secret).slice(1, -1),
    ...base64Cores(secret),
  ];
}

let cache: { key: string; forms: string[] } | undefined;

/** The forms to hide, longest first (a secret that contains another is hidden whole). */
function forms(secrets: string[]): string[] {
  const key = secrets.join('\0');
  if (cache?.key !== key) {
    const all = new Set(secrets.flatMap(formsOf));
    cache = { key, forms: [...all].sort((a, b) => b.length - a.length) };
  }
  return cache.forms;
}

/**
 * The password of a URL's user information (`https://user:<password>@host`,
 * `sparse+https://…`): a credential in plain sight, whether or not a known
 * variable holds it (a repository URL may carry its own).
 */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:)[^\s/?#@]+@/gi;

function hide(text: string, hidden: string[]): string {
  let out = text;
  for (const form of hidden) if (out.includes(form)) out = out.split(form).join(MASK);
  return out.includes('://') ? out.replace(URL_PASSWORD, `$1${MASK}@`) : out;
}

/** `text` with every known secret replaced by `***`; a Buffer is searched byte for byte. */
export function redact(text: string, env?: NodeJS.ProcessEnv): string;
export function redact(text: Buffer, env?: NodeJS.ProcessEnv): Buffer;
export function redact(text: string | Buffer, env: NodeJS.ProcessEnv = process.env): string | Buffer {
  const hidden = forms(knownSecrets(env));
  if (typeof text === 'string') return hide(text, hidden);
  // latin1 maps each byte to one character and back: the secrets' UTF-8 bytes are found wherever they are
  const asBytes = hidden.map((f) => Buffer.from(f, 'utf8').toString('latin1'));
  return Buffer.from(hide(text.toString('latin1'), asBytes), 'latin1');
}

/**
 * Redacts a stream of text chunks (a tool's output as it arrives). A secret
 * may be split over two chunks or more, so the end of a chunk that could be
 * the start of a secret is held back until the next chunk says whether it
 * is; everything else is passed on at once, so live output stays live.
 * The secrets are those of `env` when the stream starts (a child process's
 * environment does not change), and those noted at any time.
 */
export class SecretFilter {
  private held = '';
  // read once: enumerating process.env costs more than filtering a chunk
  private readonly fromEnv: string[];

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.fromEnv = envSecrets(env);
  }

  /** The part of `chunk` (after what was held) that is safe to pass on now. */
  write(chunk: string): string {
    const hidden = forms(noted.size ? [...new Set([...this.fromEnv, ...noted])] : this.fromEnv);
    const text = hide(this.held + chunk, hidden);
    const keep = heldBack(text, hidden);
    this.held = text.slice(text.length - keep);
    return text.slice(0, text.length - keep);
  }

  /** A whole text with the same secrets hidden, nothing held back (what was read in full). */
  hideAll(text: string): string {
    return hide(text, forms(noted.size ? [...new Set([...this.fromEnv, ...noted])] : this.fromEnv));
  }

  /** What was held back, at the end of the stream. */
  end(): string {
    const rest = this.held;
    this.held = '';
    return rest;
  }
}

/** The length of the longest end of `text` that is the beginning of a form (and so may continue into one). */
function heldBack(text: string, hidden: string[]): number {
  const longest = hidden.reduce((n, f) => Math.max(n, f.length), 0);
  for (let start = Math.max(0, text.length - longest + 1); start < text.length; start++) {
    const first = text[start];
    const rest = text.length - start;
    if (hidden.some((f) => f[0] === first && f.length > rest && f.startsWith(text.slice(start)))) return rest;
  }
  return 0;
}
