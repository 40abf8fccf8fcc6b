import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { polyglotEdges } from '../create-dependencies';
import { PythonProject, loadPolyglotModel, manifestCaches, resetManifestCaches } from '../polyglot-model';
import { uvLock } from './__fixtures__/uv-lock';
import { normalizeName } from './pyproject';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'uv-workspace-'));
  resetManifestCaches();
  manifestCaches(join(root, '.nx', 'workspace-data'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function workspace(files: Record<string, string>): string[] {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return Object.keys(files).filter((f) => f.endsWith('pyproject.toml'));
}

/** The model's view in uv's terms: members of the root's workspace, and edges between local packages. */
function modelFacts(manifests: string[]) {
  const projects = loadPolyglotModel(root, manifests).projects as PythonProject[];
  const nameAt = new Map(projects.map((p) => [p.root, normalizeName(p.pkg.name)]));
  return {
    members: projects
      .filter((p) => p.pkg.uvWorkspace === join(root, 'pyproject.toml'))
      .map((p) => normalizeName(p.pkg.name))
      .sort(),
    edges: polyglotEdges(projects)
      .map((e) => `${nameAt.get(e.source)} -> ${nameAt.get(e.target)}`)
      .sort(),
    tools: Object.fromEntries(projects.map((p) => [p.root, p.pkg.tool])),
  };
}

const pkg = (name: string, deps: string[] = [], rest = '') =>
  `[project]\nname = "${name}"\nversion = "0.1.0"\nrequires-python = ">=3.10"\ndependencies = [${deps.map((d) => `"${d}"`).join(', ')}]\n${rest}\n[build-system]\nrequires = ["uv_build"]\nbuild-backend = "uv_build"\n`;

/** Each case is a uv workspace with no third-party dependency, so `uv lock --offline` can judge it. */
const CASES: Array<{ title: string; files: Record<string, string> }> = [
  {
    title: 'sources declared in a virtual workspace root apply to every member',
    files: {
      'pyproject.toml':
        '[tool.uv.workspace]\nmembers = ["packages/*"]\n\n[tool.uv.sources]\ncore = { workspace = true }\nutils = { workspace = true }\n',
      'packages/core/pyproject.toml': pkg('core', ['utils']),
      'packages/utils/pyproject.toml': pkg('utils'),
      'packages/app/pyproject.toml': pkg('app', ['core'], '[dependency-groups]\ndev = ["utils"]\n'),
    },
  },
  {
    title: 'a root path source is relative to the root, and the root package is a member',
    files: {
      'pyproject.toml': `${pkg('umbrella', ['lib-a', 'ext'])}\n[tool.uv.workspace]\nmembers = ["libs/*"]\n\n[tool.uv.sources]\nlib_a = { workspace = true }\nlib-b = { workspace = true }\next = { path = "vendor/ext", editable = true }\n`,
      'libs/lib-a/pyproject.toml': pkg('lib-a', ['Lib_B', 'ext']),
      'libs/lib-b/pyproject.toml': pkg('lib-b'),
      'vendor/ext/pyproject.toml': pkg('ext'),
    },
  },
  {
    title: "a member's own source for a name wins over the root's",
    files: {
      'pyproject.toml':
        '[tool.uv.workspace]\nmembers = ["packages/*"]\n\n[tool.uv.sources]\next = { path = "vendor/ext-v1" }\n',
      'packages/app/pyproject.toml': `${pkg('app', ['ext'])}\n[tool.uv.sources]\next = { path = "../../vendor/ext-v2" }\n`,
      'vendor/ext-v1/pyproject.toml': pkg('ext'),
      'vendor/ext-v2/pyproject.toml': pkg('ext'),
    },
  },
  {
    title: 'members globs and exclude decide membership; an excluded package is in no workspace',
    files: {
      'pyproject.toml':
        '[tool.uv.workspace]\nmembers = ["packages/*", "tools/cli"]\nexclude = ["packages/legacy"]\n\n[tool.uv.sources]\ncore = { workspace = true }\n',
      'packages/core/pyproject.toml': pkg('core'),
      'packages/legacy/pyproject.toml': pkg('legacy'),
      'tools/cli/pyproject.toml': pkg('cli', ['core']),
      'docs/pyproject.toml': '[tool.ruff]\nline-length = 100\n',
    },
  },
];

describe('uv workspaces agree with uv lock', () => {
  it.each(CASES)('$title', ({ files }) => {
    const manifests = workspace(files);
    const model = modelFacts(manifests);
    const uv = uvLock(root);
    expect(model.members).toEqual(uv.members);
    expect(model.edges).toEqual(uv.edges);
  });
});

describe('uv workspaces, spelled out', () => {
  it('root-declared workspace sources give the edges, members run with uv', () => {
    const facts = modelFacts(workspace(CASES[0].files));
    expect(facts.edges).toEqual(['app -> core', 'app -> utils', 'core -> utils']);
    expect(facts.tools).toEqual({ 'packages/app': 'uv', 'packages/core': 'uv', 'packages/utils': 'uv' });
  });

  it("the member's own path source, not the root's workspace source, is the edge", () => {
    const { edges } = modelFacts(workspace(CASES[2].files));
    expect(edges).toEqual(['app -> ext']);
    const projects = loadPolyglotModel(root, Object.keys(CASES[2].files)).projects;
    const target = polyglotEdges(projects)[0].target;
    expect(target).toBe('vendor/ext-v2');
  });

  it('an excluded package is not a member, so the root sources do not apply to it', () => {
    const facts = modelFacts(workspace(CASES[3].files));
    expect(facts.members).toEqual(['cli', 'core']);
    expect(facts.tools['packages/legacy']).toBe('pep517');
  });
});

describe('workspace sources uv refuses', () => {
  /** Two uv workspaces, each with a member named x; app is in neither. */
  const files = {
    'ws-a/pyproject.toml': '[tool.uv.workspace]\nmembers = ["packages/*"]\n',
    'ws-a/packages/x/pyproject.toml': pkg('x'),
    'ws-a/packages/z/pyproject.toml': `${pkg('z', ['w'])}\n[tool.uv.sources]\nw = { workspace = true }\n`,
    'ws-b/pyproject.toml': '[tool.uv.workspace]\nmembers = ["packages/*"]\n',
    'ws-b/packages/x/pyproject.toml': pkg('x'),
    'ws-b/packages/w/pyproject.toml': pkg('w'),
    'ws-b/packages/y/pyproject.toml': `${pkg('y', ['x'])}\n[tool.uv.sources]\nx = { workspace = true }\n`,
    'app/pyproject.toml': `${pkg('app', ['x'])}\n[tool.uv.sources]\nx = { workspace = true }\n`,
  };

  it('a package in no workspace: an error naming file and key, as uv lock refuses it, not an edge to some x', () => {
    const manifests = workspace(files);
    expect(() => uvLock(join(root, 'app'))).toThrow(/`x` references a workspace in `tool.uv.sources`/);
    const projects = loadPolyglotModel(root, manifests).projects;
    expect(() => polyglotEdges(projects)).toThrow(
      expect.objectContaining({
        file: join(root, 'app', 'pyproject.toml'),
        key: 'tool.uv.sources.x',
        fix: expect.stringContaining('members'),
      }),
    );
  });

  it('a member: the x of its own workspace, and no edge onto a name only another workspace has (uv refuses it)', () => {
    const manifests = workspace(files).filter((f) => !f.startsWith('app/'));
    expect(() => uvLock(join(root, 'ws-a'))).toThrow(/`w` references a workspace/);
    const projects = loadPolyglotModel(root, manifests).projects;
    expect(polyglotEdges(projects).map((e) => `${e.source} -> ${e.target}`)).toEqual([
      'ws-b/packages/y -> ws-b/packages/x',
    ]);
  });
});
