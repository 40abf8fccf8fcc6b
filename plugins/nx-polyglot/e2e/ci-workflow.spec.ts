// .github/workflows/ci.yml by what it does, not by its text: actionlint (with
// shellcheck on the run: scripts), the plan job's shard step run for real on a
// fixture workspace as a push and as a pull request, and the one rule a
// reviewer cannot see from a diff: the cache's write token only where pushes to main run.
import { execa } from 'execa';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fixtureWorkspace } from './fixture-workspace';
import { nxEnv, repoRoot } from './repo-copy';

const workflowFile = join(repoRoot, '.github', 'workflows', 'ci.yml');
const workflowText = readFileSync(workflowFile, 'utf8');
const actionlint = (...args: string[]) =>
  execa('bash', [join(repoRoot, 'tools', 'ci', 'actionlint.sh'), ...args], { cwd: repoRoot, reject: false, all: true });

interface Step {
  id?: string;
  run?: string;
}
interface Job {
  outputs?: Record<string, string>;
  steps: Step[];
}
type Shard = Record<string, unknown> & { projects: string; exclude: string };

describe('.github/workflows/ci.yml', () => {
  const workflow = parse(workflowText);

  it('lints clean with actionlint (shellcheck on its scripts)', async () => {
    const result = await actionlint();
    expect(result.all).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('the linter is live: a workflow needing a missing job, with an unquoted variable, is reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nx-polyglot-workflow-'));
    try {
      const broken = [
        'on: push',
        'jobs:',
        '  check:',
        '    needs: planning',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - run: npm ci $NPM_FLAGS',
        '',
      ].join('\n');
      writeFileSync(join(dir, 'ci.yml'), broken);
      const result = await actionlint(join(dir, 'ci.yml'));
      expect(result.exitCode).toBe(1);
      expect(result.all).toContain('needs job "planning" which does not exist');
      expect(result.all).toContain('SC2086');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the cache’s write token is read only where the event is a push, and pushes run on main only', () => {
    expect(workflow.on.push.branches).toEqual(['main']);
    const uses: string[] = [];
    const visit = (value: unknown): void => {
      if (typeof value === 'string') {
        if (value.includes('NX_CACHE_WRITE_TOKEN')) uses.push(value);
      } else if (value && typeof value === 'object') Object.values(value).forEach(visit);
    };
    visit(workflow.jobs);
    visit(workflow.env);
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses)
      for (const [read] of use.matchAll(/[^(){}|]*secrets\.NX_CACHE_WRITE_TOKEN/g))
        expect(read.trim(), use).toMatch(/^github\.event_name == 'push' && secrets\.NX_CACHE_WRITE_TOKEN$/);
  });
});

/**
 * The plan job's shard step (the step its `shards` output names), run with bash
 * as the runner would, on a workspace of five projects: four with checks, one without.
 */
describe('the plan job’s shard step, run on a fixture workspace', () => {
  const workflow = parse(workflowText);
  const plan: Job = workflow.jobs.plan;
  const stepId = /steps\.([\w-]+)\.outputs\.shards/.exec(plan.outputs?.shards ?? '')?.[1];
  const script = plan.steps.find((s) => s.id === stepId)?.run ?? '';
  /** Every `matrix.<key>` the other jobs read: each shard must carry them. */
  const matrixKeys = [
    ...new Set([...workflowText.matchAll(/\bmatrix\.(\w+)/g)].map((m) => m[1]).filter((k) => k !== 'include')),
  ];
  const CHECKED = ['alpha', 'bravo', 'charlie', 'delta'];
  const pkg = (name: string, scripts: Record<string, string>) => JSON.stringify({ name, version: '1.0.0', scripts });
  let root: string;

  const runStep = async (event: string, env: Record<string, string> = {}): Promise<Shard[]> => {
    const output = join(root, '.github-output');
    writeFileSync(output, '');
    const result = await execa('bash', ['-e', '-c', script], {
      cwd: root,
      env: { ...nxEnv, SHARDS: String(workflow.env.SHARDS), GITHUB_EVENT_NAME: event, GITHUB_OUTPUT: output, ...env },
      reject: false,
      all: true,
    });
    expect(result.exitCode, result.all).toBe(0);
    const line = readFileSync(output, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('shards='));
    expect(line, 'the step writes shards= to $GITHUB_OUTPUT').toBeDefined();
    return JSON.parse(line!.slice('shards='.length));
  };

  beforeAll(async () => {
    const checks = { test: 'true', lint: 'true', format: 'true' };
    root = await fixtureWorkspace('nx-polyglot-shards-', {
      'package.json': JSON.stringify({ name: 'shards', private: true, workspaces: ['packages/*'] }),
      'nx.json': JSON.stringify({}),
      '.gitignore': 'node_modules\n.nx\n.github-output\n',
      ...Object.fromEntries(CHECKED.map((p) => [`packages/${p}/package.json`, pkg(p, checks)])),
      'packages/docs/package.json': pkg('docs', { build: 'true' }),
    });
    // the step calls `node tools/ci/shard-projects.mjs`, which calls `npx nx`
    mkdirSync(join(root, 'tools', 'ci'), { recursive: true });
    copyFileSync(join(repoRoot, 'tools', 'ci', 'shard-projects.mjs'), join(root, 'tools', 'ci', 'shard-projects.mjs'));
    mkdirSync(join(root, 'node_modules', '.bin'));
    symlinkSync(join('..', 'nx', 'dist', 'bin', 'nx.js'), join(root, 'node_modules', '.bin', 'nx'));
    await execa('git', ['add', '-A'], { cwd: root });
    await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '-qm', 'init'], { cwd: root });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('on a push: every project with a check in exactly one shard, sizes within one, each excluding the others', async () => {
    expect(script, `the step ${stepId} of the plan job`).not.toBe('');
    const shards = await runStep('push');
    const lists = shards.map((s) => s.projects.split(','));
    expect(lists.flat().sort()).toEqual(CHECKED);
    expect(lists.length).toBe(Math.min(Number(workflow.env.SHARDS), CHECKED.length));
    const sizes = lists.map((l) => l.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const s of shards) {
      expect([...s.projects.split(','), ...s.exclude.split(',')].sort()).toEqual(CHECKED);
      for (const key of matrixKeys) expect(s, `matrix.${key}`).toHaveProperty(key);
    }
  });

  it('on a pull request: only what the change touches (an edit of one project: one shard), nothing touched: []', async () => {
    const base = { NX_BASE: 'HEAD' };
    expect(await runStep('pull_request', base)).toEqual([]);
    writeFileSync(join(root, 'packages', 'charlie', 'index.js'), 'export const changed = 1;\n');
    try {
      expect(await runStep('pull_request', base)).toEqual([{ shard: 1, projects: 'charlie', exclude: '' }]);
    } finally {
      rmSync(join(root, 'packages', 'charlie', 'index.js'));
    }
  });
});
