import { isDeepStrictEqual } from 'node:util';
import { parse } from 'smol-toml';
import { ManifestError, isTable, parseToml } from '../manifest-error';

/**
 * Reads and rewrites one string in a TOML manifest without touching another
 * byte: a release bumps versions in files people wrote by hand, and a diff
 * that reformats them is a diff nobody can review. smol-toml parses the
 * document (so the scanner below only ever sees valid TOML) and checks every
 * edit; it never writes.
 */

type Kind = 'string' | 'multiline-string' | 'scalar' | 'array' | 'inline-table' | 'table' | 'array-of-tables';

/** A key path the scanner saw: a value (its span in the text) or a `[table]` / `[[array-of-tables]]` header. */
interface Entry {
  path: string[];
  kind: Kind;
  start: number;
  end: number;
}

/** The string at `path`, or `undefined` if the document has no such key. Throws a ManifestError if the key holds something else. */
export function getTomlString(text: string, path: string[], file: string): string | undefined {
  const document = parseToml(text, file);
  const entry = locate(text, path, file);
  if (entry === undefined) return undefined;
  const value = decode(text.slice(entry.start, entry.end));
  if (valueAt(document, path) !== value) throw scannerBug(text, entry, path, file);
  return value;
}

/** `text` with the string at `path` replaced by `value`, in the same quote style; every other byte is kept. */
export function setTomlString(text: string, path: string[], value: string, file: string): string {
  const document = parseToml(text, file);
  const entry = locate(text, path, file);
  if (entry === undefined) {
    const where = path.length > 1 ? ` in \`[${dotted(path.slice(0, -1))}]\`` : ' at the top of the file';
    throw new ManifestError(file, 'not found', `Add \`${dotted(path.slice(-1))} = "${value}"\`${where}`, dotted(path));
  }
  const literal = text[entry.start] === "'";
  // a literal string has no escapes, so some values cannot be written in one
  // eslint-disable-next-line no-control-regex -- TOML forbids control characters in a literal string
  if (literal && /['\x00-\x08\x0a-\x1f\x7f]/.test(value)) {
    throw new ManifestError(
      file,
      `${JSON.stringify(value)} cannot be written as a 'literal' string`,
      'Change the quotes to "double quotes" and retry',
      dotted(path),
      lineOf(text, entry.start),
    );
  }
  const written = literal ? `'${value}'` : `"${escapeBasic(value)}"`;
  const edited = text.slice(0, entry.start) + written + text.slice(entry.end);
  setValueAt(document, path, value);
  if (!isDeepStrictEqual(tryParse(edited), document)) throw scannerBug(text, entry, path, file);
  return edited;
}

/** Finds the string value at `path`; `undefined` if the path does not exist, a ManifestError if it holds no string. */
function locate(text: string, path: string[], file: string): Entry | undefined {
  const entries = scan(text);
  const key = dotted(path);
  const arrayOfTables = entries.find((e) => e.kind === 'array-of-tables' && startsWith(path, e.path));
  if (arrayOfTables) {
    const problem =
      arrayOfTables.path.length === path.length
        ? 'is an array of tables'
        : `is inside the array of tables \`[[${dotted(arrayOfTables.path)}]]\``;
    throw new ManifestError(
      file,
      `${problem}, which nx-polyglot cannot edit`,
      'Edit this value by hand',
      key,
      lineOf(text, arrayOfTables.start),
    );
  }
  const through = entries.find(
    (e) => e.path.length < path.length && startsWith(path, e.path) && !['table', 'inline-table'].includes(e.kind),
  );
  if (through?.kind === 'array') {
    throw new ManifestError(
      file,
      `is inside the array \`${dotted(through.path)}\`, which nx-polyglot cannot edit`,
      'Edit this value by hand',
      key,
      lineOf(text, through.start),
    );
  }
  if (through) return undefined;
  const exact = entries.find((e) => e.kind !== 'table' && isSame(e.path, path));
  if (exact?.kind === 'string') return exact;
  const header = entries.find((e) => e.kind === 'table' && isSame(e.path, path));
  const inside = entries.filter((e) => e.path.length > path.length && startsWith(e.path, path));
  if (exact === undefined && header === undefined && inside.length === 0) return undefined;

  // what is there instead, as the user wrote it: `true`, `{ workspace = true }`, `version.workspace = true`
  const at = exact ?? header ?? inside[0];
  const shown = clip(exact ? text.slice(exact.start, exact.end) : lineAt(text, at.start));
  const what =
    exact?.kind === 'multiline-string'
      ? 'a multi-line string'
      : exact?.kind === 'array'
        ? 'an array'
        : exact?.kind === 'scalar'
          ? `\`${shown}\``
          : `a table (\`${shown}\`)`;
  const inherited = inside.some((e) => isSame(e.path, [...path, 'workspace']) && text.slice(e.start, e.end) === 'true');
  const example = `\`${dotted(path.slice(-1))} = "..."\``;
  const fix = inherited
    ? "It is inherited from the workspace (`workspace = true`): change the value in the workspace root's Cargo.toml instead"
    : exact?.kind === 'multiline-string'
      ? `Write it on one line: ${example}`
      : `Set it to a string: ${example}`;
  throw new ManifestError(file, `is ${what}, not a string`, fix, key, lineOf(text, at.start));
}

/**
 * Every key path in a valid TOML document with the span of its value, in one
 * pass. It knows just enough TOML to never mistake the inside of a string, a
 * comment or a multi-line array for a key or a header.
 */
function scan(text: string): Entry[] {
  const entries: Entry[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let table: string[] = [];

  const fail = (): never => {
    throw new Error(`toml-edit: unexpected ${JSON.stringify(text[i] ?? 'end of file')} at line ${lineOf(text, i)}`);
  };
  const expect = (token: string) => (text.startsWith(token, i) ? (i += token.length) : fail());
  const skipSpaces = () => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  // spaces, newlines and comments: between lines, in arrays, and in TOML 1.1 inline tables
  const skipBlanks = () => {
    for (;;) {
      skipSpaces();
      if (text[i] === '#') while (i < n && text[i] !== '\n') i++;
      else if (text[i] === '\n' || text[i] === '\r') i++;
      else return;
    }
  };
  const skipBasic = () => {
    for (i++; text[i] !== '"'; i++) {
      if (i >= n) fail();
      if (text[i] === '\\') i++;
    }
    i++;
  };
  const skipLiteral = () => {
    i = text.indexOf("'", i + 1) + 1 || fail();
  };
  // the closing delimiter is the last three quotes of a run: `"""a""""` holds `a"`
  const skipMultiline = (quote: string) => {
    for (i += 3; !text.startsWith(quote.repeat(3), i); i++) {
      if (i >= n) fail();
      if (quote === '"' && text[i] === '\\') i++;
    }
    i += 3;
    for (let extra = 0; extra < 2 && text[i] === quote; extra++) i++;
  };
  const keyPart = (): string => {
    const start = i;
    if (text[i] === '"') return (skipBasic(), decodeBasic(text.slice(start + 1, i - 1)));
    if (text[i] === "'") return (skipLiteral(), text.slice(start + 1, i - 1));
    while (/[A-Za-z0-9_-]/.test(text[i] ?? '')) i++;
    return i > start ? text.slice(start, i) : fail();
  };
  const key = (): string[] => {
    const parts: string[] = [];
    for (;;) {
      skipSpaces();
      parts.push(keyPart());
      skipSpaces();
      if (text[i] !== '.') return parts;
      i++;
    }
  };
  const keyValue = (prefix: string[] | undefined) => {
    const k = key();
    expect('=');
    skipSpaces();
    value(prefix && [...prefix, ...k]);
  };
  // a path of `undefined` means "inside an array": scanned, never addressable
  const value = (path: string[] | undefined) => {
    const start = i;
    let kind: Kind;
    if (text.startsWith('"""', i) || text.startsWith("'''", i)) {
      skipMultiline(text[i]);
      kind = 'multiline-string';
    } else if (text[i] === '"' || text[i] === "'") {
      if (text[i] === '"') skipBasic();
      else skipLiteral();
      kind = 'string';
    } else if (text[i] === '{' || text[i] === '[') {
      const close = text[i] === '{' ? '}' : ']';
      kind = close === '}' ? 'inline-table' : 'array';
      for (i++, skipBlanks(); text[i] !== close; skipBlanks()) {
        if (i >= n) fail();
        if (close === '}') keyValue(path);
        else value(undefined);
        skipBlanks();
        if (text[i] === ',') i++;
      }
      i++;
    } else {
      const stop = /[\s,\]}#]/;
      while (i < n && !stop.test(text[i])) i++;
      // a date and a time may be separated by a space: `1979-05-27 07:32:00Z`
      if (/^\d{4}-\d\d-\d\d$/.test(text.slice(start, i)) && /^ \d\d:/.test(text.slice(i, i + 4))) {
        for (i++; i < n && !stop.test(text[i]); i++);
      }
      if (i === start) fail();
      kind = 'scalar';
    }
    if (path) entries.push({ path, kind, start, end: i });
  };

  for (skipBlanks(); i < n; skipBlanks()) {
    const start = i;
    const header = text.startsWith('[[', i) ? 'array-of-tables' : text[i] === '[' ? 'table' : undefined;
    if (header === undefined) {
      keyValue(table);
      continue;
    }
    i += header === 'table' ? 1 : 2;
    table = key();
    expect(header === 'table' ? ']' : ']]');
    entries.push({ path: table, kind: header, start, end: i });
  }
  return entries;
}

const ESCAPES: Record<string, string> = {
  b: '\b',
  t: '\t',
  n: '\n',
  f: '\f',
  r: '\r',
  e: '\x1b',
  '"': '"',
  '\\': '\\',
};

function decodeBasic(body: string): string {
  return body.replace(/\\(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))/g, (_, x, u, U, c: string) =>
    c === undefined ? String.fromCodePoint(parseInt(x ?? u ?? U, 16)) : ESCAPES[c],
  );
}

function decode(quoted: string): string {
  const body = quoted.slice(1, -1);
  return quoted.startsWith('"') ? decodeBasic(body) : body;
}

function escapeBasic(value: string): string {
  const named: Record<string, string> = { '\b': 'b', '\t': 't', '\n': 'n', '\f': 'f', '\r': 'r', '"': '"', '\\': '\\' };
  return value.replace(
    // eslint-disable-next-line no-control-regex -- TOML requires control characters escaped
    /["\\\x00-\x1f\x7f]/g,
    (c) => `\\${named[c] ?? `u${c.charCodeAt(0).toString(16).padStart(4, '0')}`}`,
  );
}

function valueAt(document: unknown, path: string[]): unknown {
  return path.reduce<unknown>(
    (node, part) => (isTable(node) && Object.hasOwn(node, part) ? node[part] : undefined),
    document,
  );
}

function setValueAt(document: Record<string, unknown>, path: string[], value: string): void {
  const parent = valueAt(document, path.slice(0, -1));
  if (isTable(parent)) parent[path[path.length - 1]] = value;
}

function tryParse(text: string): unknown {
  try {
    return parse(text);
  } catch {
    return undefined;
  }
}

function scannerBug(text: string, entry: Entry, path: string[], file: string): ManifestError {
  return new ManifestError(
    file,
    'nx-polyglot could not edit this value without changing something else',
    'Edit it by hand, and report this file as a bug in nx-polyglot',
    dotted(path),
    lineOf(text, entry.start),
  );
}

/** A key path as TOML would spell it: `target."cfg(unix)".dependencies`. */
export function dotted(path: string[]): string {
  return path.map((p) => (/^[A-Za-z0-9_-]+$/.test(p) ? p : JSON.stringify(p))).join('.');
}

const isSame = (a: string[], b: string[]) => a.length === b.length && startsWith(a, b);
const startsWith = (path: string[], prefix: string[]) =>
  prefix.length <= path.length && prefix.every((p, k) => p === path[k]);
const lineOf = (text: string, offset: number) => text.slice(0, offset).split('\n').length;
const lineAt = (text: string, offset: number) =>
  text
    .slice(text.lastIndexOf('\n', offset) + 1)
    .split('\n')[0]
    .trim();
const clip = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}...` : s);
