import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { forwardArgs, lostDryRun, publishToolArgs, refusedArgsReport } from './forwarded-args';
import { CARGO_PUBLISH_ARGS, NPM_PUBLISH_ARGS, PYTHON_PUBLISH_ARGS } from './publish-args';

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

describe('publishToolArgs: what follows `--` on publish reaches the tool or is refused, never dropped', () => {
  it.each([
    ['a cargo flag reaches cargo publish', ['--allow-dirty'], ['--allow-dirty']],
    ["the executor's own options are left to Nx, which made them options", ['--no-verify', '--dry-run'], []],
    [
      'a value goes with its flag',
      ['--features', 'wasm', '--config=net.offline=true'],
      ['--features', 'wasm', '--config=net.offline=true'],
    ],
    ["an own option's value stays with it", ['--registry', 'other', '--locked'], ['--locked']],
  ])('%s', (_, forwarded, expected) => {
    expect(publishToolArgs(forwarded, 'cargo publish', CARGO_PUBLISH_ARGS)).toEqual({ args: expected, refused: [] });
  });

  it('refuses, naming each argument and why: the crate, the registry, a token on a command line, a stray word', () => {
    const { refused } = publishToolArgs(
      ['-p', 'other', '--token=s3cret', '--index', 'sparse+http://x/', 'stray', '--allow-dirty'],
      'cargo publish',
      CARGO_PUBLISH_ARGS,
    );
    expect(refused).toEqual([
      '`-p`: each publish task uploads its own crate; choose crates with nx run-many -t publish --projects/--exclude',
      '`--token`: a token on a command line is visible to every process; set CARGO_REGISTRIES_<NAME>_TOKEN (CARGO_REGISTRY_TOKEN for crates.io)',
      '`--index`: the registry is publish.cargo.registry in nx.json (--registry=<name> for one run)',
      '`stray`: cargo publish takes no package or file here; the executor names them',
    ]);
    // the refusal names the flag, never the secret given with it
    expect(refusedArgsReport('cargo publish', refused)).not.toContain('s3cret');
  });

  it('refuses credentials on the Python upload command line and passes its own flags', () => {
    expect(
      publishToolArgs(['--cert', 'ca.pem', '-u', 'me', '--password=x'], 'poetry publish', PYTHON_PUBLISH_ARGS),
    ).toEqual({
      args: ['--cert', 'ca.pem'],
      refused: [
        expect.stringMatching(/^`-u`: a credential on a command line/),
        expect.stringMatching(/^`--password`: a credential on a command line/),
      ],
    });
  });

  it('passes npm its publish flags and refuses what npm would silently take as configuration', () => {
    expect(publishToolArgs(['--tag', 'next', '--access=public'], 'npm publish', NPM_PUBLISH_ARGS)).toEqual({
      args: ['--tag', 'next', '--access=public'],
      refused: [],
    });
    expect(publishToolArgs(['--allow-dirty'], 'npm publish', NPM_PUBLISH_ARGS).refused).toEqual([
      expect.stringMatching(/^`--allow-dirty`: npm publish would take it as configuration and ignore it/),
    ]);
  });

  it.each([
    ['cargo-publish', CARGO_PUBLISH_ARGS],
    ['python-publish', PYTHON_PUBLISH_ARGS],
    ['npm-publish', NPM_PUBLISH_ARGS],
  ])("knows every option of %s's schema (an unknown one would reach the tool as a flag)", (executor, rules) => {
    const schema = JSON.parse(readFileSync(join(__dirname, '../../executors', `${executor}.schema.json`), 'utf8')) as {
      properties: Record<string, { type?: string }>;
    };
    expect(
      Object.fromEntries(
        Object.entries(schema.properties).map(([k, v]) => [k, v.type === 'boolean' ? 'flag' : 'value']),
      ),
    ).toEqual(rules.options);
  });
});

describe('lostDryRun: a --dry-run Nx dropped because it came before `--`', () => {
  const nx = (...argv: string[]) => ['node', 'node_modules/.bin/nx', ...argv];

  it('stops a publish that would upload although the user asked for a dry run', () => {
    const cmd = nx('run-many', '-t', 'publish', '--dry-run', '--', '--allow-dirty');
    expect(lostDryRun([cmd], undefined)).toMatch(
      /^Nothing was published: Nx drops what comes before `--`.*the --dry-run of `node node_modules\/.bin\/nx run-many -t publish --dry-run -- --allow-dirty` did not arrive/,
    );
  });

  it.each([
    ['the dry run arrived', [nx('run', 'a:publish', '--', '--dry-run', '--allow-dirty')], true],
    ['no `--`: Nx kept every flag', [nx('run', 'a:publish', '--dry-run', '--allow-dirty')], true],
    ['no dry run was asked for', [nx('run-many', '-t', 'publish', '--', '--allow-dirty')], undefined],
    ['the command line is not known (no /proc)', [], undefined],
  ])('accepts the run when %s', (_, lines, dryRun) => {
    expect(lostDryRun(lines, dryRun)).toBeUndefined();
  });
});
