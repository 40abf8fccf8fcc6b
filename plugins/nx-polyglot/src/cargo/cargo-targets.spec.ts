import { describe, expect, it } from 'vitest';
import type { CargoPackage } from './cargo-workspace';
import { cargoTargets } from './cargo-targets';

const NX_ROOT = '/repo';
const pkg = (over: Partial<CargoPackage> = {}): CargoPackage => ({
  name: 'micromegas-tracing',
  version: '0.12.0',
  manifestPath: '/repo/rust/tracing/Cargo.toml',
  publish: null,
  dependencies: [],
  include: null,
  exclude: [],
  ...over,
});
const build = (over: Partial<Parameters<typeof cargoTargets>[0]> = {}) =>
  cargoTargets({
    pkg: pkg(),
    workspaceManifest: '/repo/rust/Cargo.toml',
    nxRoot: NX_ROOT,
    options: undefined,
    ...over,
  });

describe('cargoTargets', () => {
  it('a library crate of a workspace in rust/: four cargo targets run from the workspace root', () => {
    const { targets, namedInputs } = build();
    expect(Object.keys(targets)).toEqual(['build', 'test', 'lint', 'format']);
    // cargo owns target/: a cached build would restore nothing useful
    expect(Object.values(targets).map((t) => t.cache)).toEqual([false, true, true, true]);
    expect(targets.test).toMatchInlineSnapshot(`
      {
        "cache": true,
        "executor": "nx-polyglot:cargo",
        "inputs": [
          "polyglot-files",
          "^polyglot-files",
          "cargo-compile",
        ],
        "metadata": {
          "description": "cargo test -p micromegas-tracing",
          "help": {
            "command": "cargo test --help",
            "example": {
              "options": {
                "args": [
                  "--all-features",
                  "--",
                  "--nocapture",
                ],
              },
            },
          },
          "technologies": [
            "cargo",
          ],
        },
        "options": {
          "command": [
            "test",
          ],
          "cwd": "rust",
          "package": "micromegas-tracing",
        },
        "outputs": [],
      }
    `);
    // every target names its inputs: the crate's files, its dependencies' and one input per kind of target
    expect(Object.fromEntries(Object.entries(targets).map(([name, t]) => [name, t.inputs]))).toEqual({
      build: ['polyglot-files', '^polyglot-files', 'cargo-compile'],
      test: ['polyglot-files', '^polyglot-files', 'cargo-compile'],
      lint: ['polyglot-files', '^polyglot-files', 'cargo-lint'],
      format: ['cargo-format'],
    });
    expect(namedInputs['cargo-compile']).toEqual([
      '{workspaceRoot}/rust/Cargo.toml',
      '{workspaceRoot}/rust/Cargo.lock',
      'cargo-toolchain',
      { runtime: 'rustc -vV' },
    ]);
    // clippy.toml and rustfmt.toml are read from the crate up to the root, as the tools do
    expect(namedInputs['cargo-lint']).toEqual([
      'cargo-compile',
      '{workspaceRoot}/rust/tracing/clippy.toml',
      '{workspaceRoot}/rust/tracing/.clippy.toml',
      '{workspaceRoot}/rust/clippy.toml',
      '{workspaceRoot}/rust/.clippy.toml',
      '{workspaceRoot}/clippy.toml',
      '{workspaceRoot}/.clippy.toml',
    ]);
    expect(namedInputs['cargo-format']).toEqual([
      '{projectRoot}/**/*.rs',
      '{workspaceRoot}/rust/tracing/rustfmt.toml',
      '{workspaceRoot}/rust/tracing/.rustfmt.toml',
      '{workspaceRoot}/rust/rustfmt.toml',
      '{workspaceRoot}/rust/.rustfmt.toml',
      '{workspaceRoot}/rustfmt.toml',
      '{workspaceRoot}/.rustfmt.toml',
      'cargo-toolchain',
      { runtime: 'rustfmt --version' },
    ]);
    expect(namedInputs['cargo-toolchain'].filter((i) => typeof i === 'string')).toMatchInlineSnapshot(`
      [
        "{workspaceRoot}/rust/rust-toolchain.toml",
        "{workspaceRoot}/rust/rust-toolchain",
        "{workspaceRoot}/rust/.cargo/config.toml",
        "{workspaceRoot}/rust/.cargo/config",
        "{workspaceRoot}/rust-toolchain.toml",
        "{workspaceRoot}/rust-toolchain",
        "{workspaceRoot}/.cargo/config.toml",
        "{workspaceRoot}/.cargo/config",
      ]
    `);
    expect(namedInputs['polyglot-files']).toEqual(['{projectRoot}/**/*']);
  });

  it('a publishable binary crate: run (continuous), publish ordered after the projects it needs, nx-release-publish, yank', () => {
    const { targets } = build({
      pkg: pkg({ name: 'telemetry-ingestion-srv', manifestPath: '/repo/rust/ingestion-srv/Cargo.toml' }),
      runs: 'telemetry-ingestion-srv',
      publish: {
        options: { registry: 'local', replacesCratesIo: true },
        after: [
          { project: 'micromegas-tracing', target: 'publish' },
          { project: 'micromegas', target: 'rust-publish' },
        ],
      },
    });
    expect({
      run: targets.run,
      publish: targets.publish,
      release: targets['nx-release-publish'].dependsOn,
      yank: targets.yank,
    }).toMatchInlineSnapshot(`
      {
        "publish": {
          "cache": false,
          "dependsOn": [
            {
              "projects": [
                "micromegas-tracing",
              ],
              "target": "publish",
            },
            {
              "projects": [
                "micromegas",
              ],
              "target": "rust-publish",
            },
          ],
          "executor": "nx-polyglot:cargo-publish",
          "metadata": {
            "description": "cargo publish -p telemetry-ingestion-srv --registry local, unless the index has 0.12.0",
            "help": {
              "command": "cargo publish --help",
              "example": {
                "options": {
                  "registry": "my-registry",
                },
              },
            },
            "technologies": [
              "cargo",
            ],
          },
          "options": {
            "cwd": "rust",
            "package": "telemetry-ingestion-srv",
            "registry": "local",
            "replacesCratesIo": true,
          },
        },
        "release": [
          {
            "projects": [
              "micromegas-tracing",
            ],
            "target": "nx-release-publish",
          },
          {
            "projects": [
              "micromegas",
            ],
            "target": "rust-nx-release-publish",
          },
        ],
        "run": {
          "cache": false,
          "continuous": true,
          "executor": "nx-polyglot:exec",
          "metadata": {
            "description": "cargo run -p telemetry-ingestion-srv --bin telemetry-ingestion-srv (arguments after -- go to cargo; -- -- <args> to the program)",
            "help": {
              "command": "cargo run --help",
              "example": {
                "options": {
                  "argv": [
                    "cargo",
                    "run",
                    "-p",
                    "telemetry-ingestion-srv",
                    "--bin",
                    "telemetry-ingestion-srv",
                    "--",
                    "--port",
                    "8080",
                  ],
                },
              },
            },
            "technologies": [
              "cargo",
            ],
          },
          "options": {
            "argv": [
              "cargo",
              "run",
              "-p",
              "telemetry-ingestion-srv",
              "--bin",
              "telemetry-ingestion-srv",
            ],
            "cwd": "rust",
          },
        },
        "yank": {
          "cache": false,
          "executor": "nx-polyglot:cargo-yank",
          "metadata": {
            "description": "cargo yank telemetry-ingestion-srv --version 0.12.0 (--vers=<version> for another, --undo to un-yank): rollback",
            "help": {
              "command": "cargo yank --help",
              "example": {
                "options": {
                  "undo": true,
                  "vers": "0.12.0",
                },
              },
            },
            "technologies": [
              "cargo",
            ],
          },
          "options": {
            "cwd": "rust",
            "package": "telemetry-ingestion-srv",
            "registry": "local",
            "vers": "0.12.0",
          },
        },
      }
    `);
  });

  it('renamed and disabled targets, extra args: the options of nx.json decide', () => {
    const { targets } = build({
      options: { test: { name: 'cargo-test', args: ['--all-features'] }, lint: false, build: false },
    });
    expect(Object.keys(targets).sort()).toEqual(['cargo-test', 'format']);
    expect(targets['cargo-test'].options).toEqual({
      cwd: 'rust',
      command: ['test'],
      package: 'micromegas-tracing',
      args: ['--all-features'],
    });
  });

  it('a crate at the repository root reads its toolchain files and rustfmt.toml from the root only', () => {
    const { targets, namedInputs } = build({
      pkg: pkg({ manifestPath: '/repo/Cargo.toml' }),
      workspaceManifest: '/repo/Cargo.toml',
    });
    expect(targets.test.options.cwd).toBe('.');
    expect(namedInputs['cargo-toolchain'].filter((i) => typeof i === 'string')).toEqual([
      '{workspaceRoot}/rust-toolchain.toml',
      '{workspaceRoot}/rust-toolchain',
      '{workspaceRoot}/.cargo/config.toml',
      '{workspaceRoot}/.cargo/config',
    ]);
    expect(targets.format.inputs).toEqual(['cargo-format']);
    expect(namedInputs['cargo-format']).toContain('{workspaceRoot}/rustfmt.toml');
  });

  it('publish.cargo.verify: false reaches the publish targets (cargo publish --no-verify); unset, they carry no verify', () => {
    const after: Array<{ project: string; target: string }> = [];
    const off = build({ publish: { options: { registry: 'local', verify: false }, after } }).targets;
    expect(off.publish.options).toMatchObject({ verify: false });
    expect(off['nx-release-publish'].options).toMatchObject({ verify: false });
    expect(build({ publish: { options: { registry: 'local' }, after } }).targets.publish.options).not.toHaveProperty(
      'verify',
    );
  });
});
