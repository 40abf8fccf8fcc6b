import { ManifestError } from './manifest-error';
import {
  DEFAULT_COLLISION_PREFIXES,
  FIXED_TARGET_NAMES,
  NxPolyglotOptions,
  SHARED_ROOT_PREFIX,
  TARGET_KEYS,
} from './options';
import { normalizeName } from './python/pyproject';

/**
 * The plugin's options, checked before anything is inferred: a misspelled
 * key or a string where a list belongs (`"command": "nextest run"`) is an
 * error naming nx.json, the key and the expected shape, never a silent default.
 */
type Shape = 'string' | 'boolean' | 'number' | 'string list' | FalseOr | { [key: string]: Shape };
/** `false` (turned off), or the shape. */
class FalseOr {
  constructor(readonly shape: Shape) {}
}

const TARGET = new FalseOr({ name: 'string', command: 'string list', args: 'string list' });
const TARGETS: Shape = { build: TARGET, test: TARGET, lint: TARGET, format: TARGET };

const OPTIONS: Shape = {
  cargo: TARGETS,
  python: TARGETS,
  collisionPrefixes: { cargo: 'string', python: 'string' },
  publish: {
    cargo: {
      registry: 'string',
      replacesCratesIo: 'boolean',
      verify: 'boolean',
      visibilityTimeout: 'number',
      maxParallel: 'number',
      rateLimit: new FalseOr({ newVersionsBurst: 'number', newCratesBurst: 'number' }),
    },
    python: { repository: 'string' },
    npm: { registryEnv: 'string' },
  },
};

const EXAMPLES: Record<string, string> = {
  'string list': '["nextest", "run"]',
  string: '"text"',
  boolean: 'true',
  number: '120',
};

/** Throws a ManifestError on nx.json for the first option that does not fit. */
export function checkOptions(options: unknown): void {
  check(options ?? {}, OPTIONS, 'options');
  checkTargetNames((options ?? {}) as NxPolyglotOptions);
  checkPrefixes((options ?? {}) as NxPolyglotOptions);
}

/**
 * Two targets of one project under one name: one would silently replace the
 * other (`cargo.test.name: "lint"` and the crate has no test target left).
 * A Python package's targets meet its crate's, prefixed `rust-`, at a maturin
 * package's root.
 */
function checkTargetNames(options: NxPolyglotOptions): void {
  /** Target name -> who claims it: an option (`target`: its key, `named`: by its `name`) or nx-polyglot itself. */
  type Claim = { key?: string; target?: string; named?: boolean; said: string };
  const claimsOf = (kind: 'cargo' | 'python', prefix = '') => {
    const claims = new Map<string, Claim>();
    for (const name of FIXED_TARGET_NAMES[kind])
      claims.set(prefix + name, { said: `nx-polyglot's own \`${name}\` target` });
    for (const target of TARGET_KEYS) {
      const option = options[kind]?.[target];
      if (option === false) continue;
      const named = option?.name !== undefined;
      const key = `options.${kind}.${target}${named ? '.name' : ''}`;
      const claim: Claim = { key, target, named, said: named ? `\`${key}\`` : `\`${key}\` (by default)` };
      if (option?.name === '') fail(key, 'must not be empty', `Write it as "${target}"`);
      const name = option?.name ?? target;
      const other = claims.get(prefix + name);
      if (other) {
        // the message is about the name the user wrote; the other may be a default they can turn off
        const [blamed, kept] = claim.named || !other.named ? [claim, other] : [other, claim];
        fail(
          blamed.key as string,
          `names the target \`${name}\`, as does ${kept.said}: one target would silently replace the other`,
          `Give one of them another name${kept.target && !kept.named ? `, or turn \`${kind}.${kept.target}\` off with "${kept.target}": false` : ''}`,
        );
      }
      claims.set(prefix + name, claim);
    }
    return claims;
  };
  const cargo = claimsOf('cargo', SHARED_ROOT_PREFIX.cargo);
  for (const [name, claim] of claimsOf('python')) {
    const crate = cargo.get(name);
    if (crate && claim.key)
      fail(
        claim.key,
        `names the target \`${name}\`, which a crate beside its Python package (maturin) also has: ${crate.said}, prefixed \`${SHARED_ROOT_PREFIX.cargo}\`; one target would silently replace the other`,
        'Give the Python target another name',
      );
  }
}

/** A prefix tells a crate from a Python package of the same name: empty or shared, it tells nothing. */
function checkPrefixes(options: NxPolyglotOptions): void {
  const prefixes = { ...DEFAULT_COLLISION_PREFIXES, ...options.collisionPrefixes };
  for (const kind of ['cargo', 'python'] as const) {
    if (prefixes[kind] === '')
      fail(
        `options.collisionPrefixes.${kind}`,
        `must not be empty: it tells a ${kind === 'cargo' ? 'crate' : 'Python package'} from a ${kind === 'cargo' ? 'Python package' : 'crate'} of the same name`,
        `Write it as "${DEFAULT_COLLISION_PREFIXES[kind]}", or leave it out for that default`,
      );
  }
  if (normalizeName(prefixes.cargo) === normalizeName(prefixes.python))
    fail(
      `options.collisionPrefixes.${options.collisionPrefixes?.python !== undefined ? 'python' : 'cargo'}`,
      `gives crates and Python packages the same prefix (\`${prefixes.cargo}\`, \`${prefixes.python}\`), so a crate and a Python package of one name still share it`,
      `Give each its own, e.g. { "cargo": "${DEFAULT_COLLISION_PREFIXES.cargo}", "python": "${DEFAULT_COLLISION_PREFIXES.python}" }`,
    );
}

function check(value: unknown, shape: Shape, key: string): void {
  if (shape instanceof FalseOr) return value === false ? undefined : check(value, shape.shape, key);
  if (typeof shape === 'string') {
    const ok =
      shape === 'string list'
        ? Array.isArray(value) && value.every((v) => typeof v === 'string')
        : typeof value === shape && !(shape === 'number' && !Number.isFinite(value));
    if (!ok)
      fail(
        key,
        `must be ${shape === 'string list' ? 'a list of strings' : `a ${shape}`}, not ${JSON.stringify(value)}`,
        `Write it as ${EXAMPLES[shape]}`,
      );
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(key, `must be an object, not ${JSON.stringify(value)}`, `Known keys: ${Object.keys(shape).join(', ')}`);
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!Object.hasOwn(shape, k)) {
      const near = Object.keys(shape).find((known) => distance(known, k) <= 2);
      fail(
        `${key}.${k}`,
        'is not an option of nx-polyglot',
        near
          ? `Did you mean \`${near}\`? Known keys here: ${Object.keys(shape).join(', ')}`
          : `Known keys here: ${Object.keys(shape).join(', ')}`,
      );
    }
    if (v !== undefined) check(v, (shape as Record<string, Shape>)[k], `${key}.${k}`);
  }
}

function fail(key: string, problem: string, fix: string): never {
  throw new ManifestError('nx.json', `${problem} (the nx-polyglot plugin's registration)`, fix, key);
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}
