import { describe, expect, it } from 'vitest';
import { crateFileGlobs, excludeNested, gitignoreGlobs, nestedRoots } from './project-files';

describe('nestedRoots', () => {
  const roots = ['.', 'a', 'a-b', 'a/b', 'a/b/c', 'ab', 'z'].sort();
  it('lists the outermost roots strictly inside a root', () => {
    expect(nestedRoots('a', roots)).toEqual(['a/b']);
    expect(nestedRoots('ab', roots)).toEqual([]);
  });
  it('takes every other root for the repository root', () => {
    expect(nestedRoots('.', roots)).toEqual(expect.arrayContaining(['a', 'a-b', 'ab', 'z']));
    expect(nestedRoots('.', roots)).not.toContain('.');
  });
  it('excludes them relative to {projectRoot}', () => {
    expect(excludeNested('.', ['web', 'crates/util'])).toEqual([
      '!{projectRoot}/web/**',
      '!{projectRoot}/crates/util/**',
    ]);
    expect(excludeNested('rust/transit', ['rust/transit/derive'])).toEqual(['!{projectRoot}/derive/**']);
  });
});

describe('gitignore-style Cargo include/exclude patterns as Nx globs', () => {
  it.each([
    ['target', ['{projectRoot}/**/target', '{projectRoot}/**/target/**']],
    ['/target', ['{projectRoot}/target', '{projectRoot}/target/**']],
    ['tests/fixtures/', ['{projectRoot}/tests/fixtures/**']],
    ['*.png', ['{projectRoot}/**/*.png', '{projectRoot}/**/*.png/**']],
    ['src/**/*.rs', ['{projectRoot}/src/**/*.rs', '{projectRoot}/src/**/*.rs/**']],
  ])('%s', (pattern, globs) => {
    expect(gitignoreGlobs(pattern)).toEqual(globs);
  });

  it('a crate with include takes Cargo.toml and the included files, never target/', () => {
    expect(crateFileGlobs(['/src', 'README.md'], [])).toEqual([
      '{projectRoot}/Cargo.toml',
      '{projectRoot}/src',
      '{projectRoot}/src/**',
      '{projectRoot}/**/README.md',
      '{projectRoot}/**/README.md/**',
      '!{projectRoot}/target/**',
    ]);
  });

  it('a crate without include takes everything but exclude and target/', () => {
    expect(crateFileGlobs(null, ['benches/data/'])).toEqual([
      '{projectRoot}/**/*',
      '!{projectRoot}/benches/data/**',
      '!{projectRoot}/target/**',
    ]);
  });
});
