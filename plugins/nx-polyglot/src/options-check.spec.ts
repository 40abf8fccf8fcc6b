import { describe, expect, it } from 'vitest';
import { ManifestError } from './manifest-error';
import { checkOptions } from './options-check';

describe('checkOptions', () => {
  it('accepts the documented options', () => {
    expect(() =>
      checkOptions({
        cargo: { test: { name: 'cargo-test', command: ['nextest', 'run'], args: [] }, build: false },
        python: { lint: { command: ['mypy'], args: ['.'] } },
        collisionPrefixes: { cargo: 'rs-', python: 'py-' },
        publish: {
          cargo: { registry: 'local', replacesCratesIo: true, rateLimit: false, maxParallel: 2 },
          python: { repository: 'local' },
          npm: { registryEnv: 'X' },
        },
      }),
    ).not.toThrow();
    expect(() => checkOptions(undefined)).not.toThrow();
  });

  it.each([
    [
      { cargo: { test: { command: 'nextest run' } } },
      'nx.json: `options.cargo.test.command`: must be a list of strings, not "nextest run" (the nx-polyglot plugin\'s registration). Write it as ["nextest", "run"]',
    ],
    [
      { colisionPrefixes: {} },
      "nx.json: `options.colisionPrefixes`: is not an option of nx-polyglot (the nx-polyglot plugin's registration). Did you mean `collisionPrefixes`? Known keys here: cargo, python, collisionPrefixes, publish",
    ],
    [
      { cargo: { tests: {} } },
      "nx.json: `options.cargo.tests`: is not an option of nx-polyglot (the nx-polyglot plugin's registration). Did you mean `test`? Known keys here: build, test, lint, format",
    ],
    [
      { publish: { cargo: { visibilityTimeout: '120' } } },
      'nx.json: `options.publish.cargo.visibilityTimeout`: must be a number, not "120" (the nx-polyglot plugin\'s registration). Write it as 120',
    ],
    [
      { publish: { cargo: { verify: 'no' } } },
      'nx.json: `options.publish.cargo.verify`: must be a boolean, not "no" (the nx-polyglot plugin\'s registration). Write it as true',
    ],
    [
      { cargo: { lint: true } },
      "nx.json: `options.cargo.lint`: must be an object, not true (the nx-polyglot plugin's registration). Known keys: name, command, args",
    ],
  ])('%j is refused with the key and the expected shape', (options, message) => {
    expect(() => checkOptions(options)).toThrow(ManifestError);
    expect(() => checkOptions(options)).toThrow(message);
  });

  it('accepts publish.cargo.verify: false (a rehearsal with cargo publish --no-verify)', () => {
    expect(() => checkOptions({ publish: { cargo: { registry: 'local', verify: false } } })).not.toThrow();
  });
});
