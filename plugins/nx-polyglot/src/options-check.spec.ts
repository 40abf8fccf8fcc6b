import { describe, expect, it } from 'vitest';
import { ManifestError } from './manifest-error';
import { checkOptions } from './options-check';
import { FIXED_TARGET_NAMES } from './options';
import { cargoTargets } from './cargo/cargo-targets';
import { pythonTargets } from './python/python-targets';

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

  it.each([
    [
      { cargo: { test: { name: 'lint' } } },
      'nx.json: `options.cargo.test.name`: names the target `lint`, as does `options.cargo.lint` (by default): one target would silently replace the other (the nx-polyglot plugin\'s registration). Give one of them another name, or turn `cargo.lint` off with "lint": false',
    ],
    [
      { python: { lint: { name: 'check' }, format: { name: 'check' } } },
      'nx.json: `options.python.format.name`: names the target `check`, as does `options.python.lint.name`',
    ],
    [
      { cargo: { build: { name: 'publish' } } },
      "nx.json: `options.cargo.build.name`: names the target `publish`, as does nx-polyglot's own `publish` target",
    ],
    [
      { python: { test: { name: 'yank' } }, cargo: { test: { name: 'nx-release-publish' } } },
      "as does nx-polyglot's own `nx-release-publish` target",
    ],
    [
      { python: { test: { name: 'rust-lint' } } },
      'nx.json: `options.python.test.name`: names the target `rust-lint`, which a crate beside its Python package (maturin) also has: `options.cargo.lint` (by default), prefixed `rust-`',
    ],
    [{ cargo: { test: { name: '' } } }, 'nx.json: `options.cargo.test.name`: must not be empty'],
  ])('%j: two targets under one name are refused, naming both', (options, message) => {
    expect(() => checkOptions(options)).toThrow(ManifestError);
    expect(() => checkOptions(options)).toThrow(message);
  });

  it('lets a target take the name of one turned off, and the same name in the other ecosystem', () => {
    expect(() =>
      checkOptions({
        cargo: { lint: false, test: { name: 'lint' }, format: { name: 'fmt' } },
        python: { format: { name: 'fmt' }, test: { name: 'yank' } },
      }),
    ).not.toThrow();
  });

  it.each([
    [
      { collisionPrefixes: { cargo: '' } },
      'nx.json: `options.collisionPrefixes.cargo`: must not be empty: it tells a crate from a Python package of the same name (the nx-polyglot plugin\'s registration). Write it as "rust-", or leave it out for that default',
    ],
    [{ collisionPrefixes: { python: '' } }, '`options.collisionPrefixes.python`: must not be empty'],
    [
      { collisionPrefixes: { python: 'rust_' } },
      'nx.json: `options.collisionPrefixes.python`: gives crates and Python packages the same prefix (`rust-`, `rust_`), so a crate and a Python package of one name still share it',
    ],
  ])('%j: a collision prefix that tells nothing apart is refused', (options, message) => {
    expect(() => checkOptions(options)).toThrow(ManifestError);
    expect(() => checkOptions(options)).toThrow(message);
  });

  it('knows every target name the plugin infers beyond the four an option names', () => {
    const off = { build: false, test: false, lint: false, format: false } as const;
    const crate = cargoTargets({
      pkg: {
        name: 'server',
        version: '0.1.0',
        manifestPath: '/repo/server/Cargo.toml',
        publish: null,
        dependencies: [],
        include: null,
        exclude: [],
      },
      workspaceManifest: '/repo/Cargo.toml',
      nxRoot: '/repo',
      options: off,
      publish: { options: {}, after: [] },
      runs: 'server',
    });
    expect(Object.keys(crate.targets).sort()).toEqual([...FIXED_TARGET_NAMES.cargo].sort());
    const python = pythonTargets(
      {
        name: 'app',
        version: '0.1.0',
        versionKeys: [],
        manifestPath: '/repo/app/pyproject.toml',
        tool: 'poetry',
        declared: ['pytest', 'black', 'ruff'],
        pathDependencies: [],
        unlocated: [],
        publishable: true,
        unknownDependencies: null,
        maturinManifest: null,
        backendFiles: null,
      },
      'poetry',
      off,
    );
    expect(Object.keys(python.targets).sort()).toEqual([...FIXED_TARGET_NAMES.python].sort());
  });
});
