import { ManifestError } from './manifest-error';

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
