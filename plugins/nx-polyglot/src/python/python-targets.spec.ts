import { describe, expect, it } from 'vitest';
import type { PythonPackage } from './pyproject';
import { pythonTargets } from './python-targets';

const pkg = (over: Partial<PythonPackage> = {}): PythonPackage => ({
  name: 'micromegas',
  version: '0.12.0',
  versionKeys: [{ key: 'tool.poetry.version', version: '0.12.0' }],
  manifestPath: '/repo/python/micromegas/pyproject.toml',
  tool: 'poetry',
  declared: ['pytest', 'black', 'ruff'],
  pathDependencies: [],
  unlocated: [],
  publishable: true,
  unknownDependencies: null,
  maturinManifest: null,
  backendFiles: null,
  ...over,
});

describe('pythonTargets', () => {
  it('a Poetry package declaring pytest, black and ruff: its checks in its environment, build, publish', () => {
    expect(pythonTargets(pkg(), 'poetry', undefined, { repository: 'local' })).toMatchInlineSnapshot(`
      {
        "namedInputs": {
          "polyglot-files": [
            "{projectRoot}/**/*",
            "!{projectRoot}/dist/**",
            "!{projectRoot}/**/__pycache__/**",
          ],
          "python-lock": [],
          "python-runtime": [
            {
              "runtime": "python3 -V",
            },
            {
              "env": "PYTHONPATH",
            },
          ],
        },
        "targets": {
          "build": {
            "cache": true,
            "executor": "nx-polyglot:exec",
            "inputs": [
              "polyglot-files",
              "^polyglot-files",
              "python-runtime",
              "python-lock",
            ],
            "metadata": {
              "description": "poetry build --output dist (sdist + wheel into dist/)",
              "help": {
                "command": "poetry build --help",
                "example": {
                  "options": {
                    "argv": [
                      "poetry",
                      "build",
                      "--output",
                      "dist",
                    ],
                  },
                },
              },
              "technologies": [
                "python",
                "poetry",
              ],
            },
            "options": {
              "argv": [
                "poetry",
                "build",
                "--output",
                "dist",
              ],
              "cleanDirectory": "dist",
              "cwd": "{projectRoot}",
            },
            "outputs": [
              "{projectRoot}/dist",
            ],
          },
          "format": {
            "cache": true,
            "executor": "nx-polyglot:exec",
            "inputs": [
              "polyglot-files",
              "^polyglot-files",
              "python-runtime",
              "python-lock",
            ],
            "metadata": {
              "description": "poetry run black --check .",
              "help": {
                "command": "poetry run black --help",
                "example": {
                  "options": {
                    "argv": [
                      "poetry",
                      "run",
                      "black",
                      "--check",
                      ".",
                    ],
                  },
                },
              },
              "technologies": [
                "python",
                "poetry",
              ],
            },
            "options": {
              "argv": [
                "poetry",
                "run",
                "black",
                "--check",
                ".",
              ],
              "cwd": "{projectRoot}",
            },
            "outputs": [],
          },
          "lint": {
            "cache": true,
            "executor": "nx-polyglot:exec",
            "inputs": [
              "polyglot-files",
              "^polyglot-files",
              "python-runtime",
              "python-lock",
            ],
            "metadata": {
              "description": "poetry run ruff check .",
              "help": {
                "command": "poetry run ruff --help",
                "example": {
                  "options": {
                    "argv": [
                      "poetry",
                      "run",
                      "ruff",
                      "check",
                      ".",
                    ],
                  },
                },
              },
              "technologies": [
                "python",
                "poetry",
              ],
            },
            "options": {
              "argv": [
                "poetry",
                "run",
                "ruff",
                "check",
                ".",
              ],
              "cwd": "{projectRoot}",
            },
            "outputs": [],
          },
          "nx-release-publish": {
            "cache": false,
            "dependsOn": [
              "^nx-release-publish",
            ],
            "executor": "nx-polyglot:python-publish",
            "metadata": {
              "description": "poetry build --output dist, then upload to \`local\`, unless its index has micromegas 0.12.0",
              "help": {
                "command": "poetry publish --help",
                "example": {
                  "options": {
                    "repository": "my-repository",
                  },
                },
              },
              "technologies": [
                "python",
                "poetry",
              ],
            },
            "options": {
              "cwd": "{projectRoot}",
              "distribution": "micromegas",
              "repository": "local",
              "tool": "poetry",
              "version": "0.12.0",
            },
          },
          "publish": {
            "cache": false,
            "dependsOn": [
              "^publish",
            ],
            "executor": "nx-polyglot:python-publish",
            "metadata": {
              "description": "poetry build --output dist, then upload to \`local\`, unless its index has micromegas 0.12.0",
              "help": {
                "command": "poetry publish --help",
                "example": {
                  "options": {
                    "repository": "my-repository",
                  },
                },
              },
              "technologies": [
                "python",
                "poetry",
              ],
            },
            "options": {
              "cwd": "{projectRoot}",
              "distribution": "micromegas",
              "repository": "local",
              "tool": "poetry",
              "version": "0.12.0",
            },
          },
          "test": {
            "cache": true,
            "executor": "nx-polyglot:exec",
            "inputs": [
              "polyglot-files",
              "^polyglot-files",
              "python-runtime",
              "python-lock",
            ],
            "metadata": {
              "description": "poetry run pytest",
              "help": {
                "command": "poetry run pytest --help",
                "example": {
                  "options": {
                    "argv": [
                      "poetry",
                      "run",
                      "pytest",
                    ],
                  },
                },
              },
              "technologies": [
                "python",
                "poetry",
              ],
            },
            "options": {
              "argv": [
                "poetry",
                "run",
                "pytest",
              ],
              "cwd": "{projectRoot}",
            },
            "outputs": [],
          },
        },
      }
    `);
  });

  it('infers only the checks whose tools the package declares (flake8 for lint when there is no ruff)', () => {
    const { targets } = pythonTargets(pkg({ declared: ['flake8'] }), 'uv', undefined);
    expect(Object.keys(targets).sort()).toEqual(['build', 'lint', 'nx-release-publish', 'publish']);
    expect(targets.lint.options.argv).toEqual(['uv', 'run', 'flake8', '.']);
    expect(targets.build.options.argv).toEqual(['uv', 'build', '--out-dir', 'dist']);
  });

  it('a package that is never built (Poetry package-mode = false) has its checks and nothing to build or publish', () => {
    const { targets } = pythonTargets(pkg({ publishable: false }), 'poetry', undefined, { repository: 'local' });
    expect(Object.keys(targets).sort()).toEqual(['format', 'lint', 'test']);
  });

  it('excludes nested projects and build output from the package files', () => {
    const { namedInputs } = pythonTargets(pkg(), 'poetry', undefined, undefined, ['!{projectRoot}/plugins/**']);
    expect(namedInputs['polyglot-files']).toEqual([
      '{projectRoot}/**/*',
      '!{projectRoot}/dist/**',
      '!{projectRoot}/**/__pycache__/**',
      '!{projectRoot}/plugins/**',
    ]);
  });
});
