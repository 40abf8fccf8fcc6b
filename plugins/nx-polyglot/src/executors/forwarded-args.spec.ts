import { describe, expect, it } from 'vitest';
import { forwardArgs } from './forwarded-args';

describe('forwardArgs: what `nx run crate:<target> -- ...` adds to the cargo command line', () => {
  it.each([
    ['a test filter goes to the harness', ['test'], [], ['my_filter'], ['--', 'my_filter']],
    ['a harness flag goes to the harness', ['test'], [], ['--list'], ['--', '--list']],
    [
      'split at --: before to cargo, after to the harness',
      ['test'],
      [],
      ['--release', '--', '--nocapture'],
      ['--release', '--', '--nocapture'],
    ],
    [
      "clippy's own -- section is kept, forwarded lints join it",
      ['clippy'],
      ['--all-targets', '--', '-D', 'warnings'],
      ['--all-features', '--', '-W', 'clippy::pedantic'],
      ['--all-targets', '--all-features', '--', '-D', 'warnings', '-W', 'clippy::pedantic'],
    ],
    ['cargo flags without -- go to cargo for other commands', ['build'], [], ['--release'], ['--release']],
    ['nothing forwarded changes nothing', ['fmt'], ['--check'], [], ['--check']],
  ])('%s', (_, command, args, forwarded, expected) => {
    expect(forwardArgs(command, args, forwarded)).toEqual(expected);
  });
});
