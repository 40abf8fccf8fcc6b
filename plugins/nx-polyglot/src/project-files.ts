import { posix } from 'node:path';

/**
 * Which files are a project's own, as Nx input globs. A project's directory
 * may hold other projects (a crate at the repository root, a crate with its
 * proc-macro crate inside, a Python package around its docs site): their
 * files are theirs, as `cargo package` leaves nested packages out, so a
 * change there re-runs them and not the project around them.
 */

/** Every root strictly inside `root`, keeping only the outermost ones (their own nested roots are inside anyway). */
export function nestedRoots(root: string, sortedRoots: readonly string[]): string[] {
  const prefix = root === '.' ? '' : `${root}/`;
  const nested: string[] = [];
  for (let i = lowerBound(sortedRoots, prefix); i < sortedRoots.length && sortedRoots[i].startsWith(prefix); i++) {
    const r = sortedRoots[i];
    if (r === root || r === '.') continue;
    if (nested.length && r.startsWith(`${nested[nested.length - 1]}/`)) continue;
    nested.push(r);
  }
  return nested;
}

/** `{projectRoot}` exclusions for nested project roots. */
export function excludeNested(root: string, nested: readonly string[]): string[] {
  return nested.map((n) => `!{projectRoot}/${root === '.' ? n : posix.relative(root, n)}/**`);
}

/**
 * A crate's files as `cargo package` chooses them: everything under the
 * crate (`include` narrows it, `exclude` removes from it; gitignore-style
 * patterns), never `target/`, never nested packages. Cargo.toml is always in.
 */
export function crateFileGlobs(include: readonly string[] | null, exclude: readonly string[]): string[] {
  const positive =
    include === null
      ? ['{projectRoot}/**/*']
      : ['{projectRoot}/Cargo.toml', ...include.filter((p) => !p.startsWith('!')).flatMap(gitignoreGlobs)];
  const negative = [
    ...exclude.filter((p) => !p.startsWith('!')).flatMap(gitignoreGlobs),
    ...(include ?? []).filter((p) => p.startsWith('!')).flatMap((p) => gitignoreGlobs(p.slice(1))),
  ].map((g) => `!${g}`);
  return [...positive, ...negative, '!{projectRoot}/target/**'];
}

/**
 * One gitignore pattern as globs under `{projectRoot}`: a pattern with a
 * slash before its end is anchored at the root, one without matches at any
 * depth, a trailing slash matches directories only; a match on a directory
 * takes everything inside it.
 */
export function gitignoreGlobs(pattern: string): string[] {
  let p = pattern.trim();
  const dirOnly = p.endsWith('/');
  if (dirOnly) p = p.slice(0, -1);
  const anchored = p.includes('/');
  p = p.replace(/^\/+/, '');
  if (p === '' || p === '**') return ['{projectRoot}/**/*'];
  const base = `{projectRoot}/${anchored || p.startsWith('**/') ? p : `**/${p}`}`;
  return dirOnly ? [`${base}/**`] : [base, `${base}/**`];
}

function lowerBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
