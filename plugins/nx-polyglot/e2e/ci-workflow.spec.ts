import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { copyRepository, nxEnv, removeCopy, repoRoot } from './repo-copy';

const workflowFile = join(repoRoot, '.github', 'workflows', 'ci.yml');
const actionlint = (...args: string[]) =>
  execa('bash', [join(repoRoot, 'tools', 'ci', 'actionlint.sh'), ...args], { cwd: repoRoot, reject: false, all: true });

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
type Job = {
  needs?: string;
  if?: string;
  steps: Step[];
  strategy?: { matrix: Record<string, unknown> };
  env?: Record<string, string>;
};

describe('.github/workflows/ci.yml', () => {
  const workflow = parse(readFileSync(workflowFile, 'utf8'));
  const jobs: Record<string, Job> = workflow.jobs;
  const uses = (job: Job, action: string) => job.steps.find((s) => s.uses?.startsWith(`${action}@`));
  const runs = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');

  it('lints clean with actionlint (shellcheck on its scripts)', async () => {
    const result = await actionlint();
    expect(result.all).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('the linter is live: a broken workflow is reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nx-polyglot-workflow-'));
    try {
      const broken = readFileSync(workflowFile, 'utf8')
        .replace('needs: plan', 'needs: planning')
        .replace('run: npm ci --no-audit --no-fund', 'run: npm ci $NPM_FLAGS');
      writeFileSync(join(dir, 'ci.yml'), broken);
      const result = await actionlint(join(dir, 'ci.yml'));
      expect(result.exitCode).toBe(1);
      expect(result.all).toContain('needs job "planning" which does not exist');
      expect(result.all).toContain('SC2086');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pull requests run `nx affected` with the SHAs from nrwl/nx-set-shas; main runs everything and the version check', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
    expect(workflow.on.push.branches).toEqual(['main']);
    const { plan, check } = jobs;
    for (const job of [plan, check]) expect(uses(job, 'nrwl/nx-set-shas'), 'nx-set-shas').toBeDefined();
    expect(runs(plan)).toContain('npx nx run micromegas-monorepo:version-check');
    const affected = check.steps.find((s) => s.run?.includes('nx affected -t test lint format'));
    const all = check.steps.find((s) => s.run?.includes('nx run-many -t test lint format'));
    expect(affected?.if).toBe("github.event_name == 'pull_request'");
    expect(all?.if).toBe("github.event_name == 'push'");
  });

  it('shards the projects over a matrix fed by the plan job', () => {
    const { plan, check } = jobs;
    expect(runs(plan)).toContain('tools/ci/shard-projects.mjs --shards "$SHARDS" --targets test,lint,format $affected');
    expect(check.needs).toBe('plan');
    expect(check.strategy?.matrix.include).toBe('${{ fromJSON(needs.plan.outputs.shards) }}');
    expect(check.env).toMatchObject({ PROJECTS: '${{ matrix.projects }}', EXCLUDE: '${{ matrix.exclude }}' });
  });

  it('installs the toolchains and restores the Nx and Cargo caches; one remote cache, written only from main', () => {
    const { check } = jobs;
    expect(uses(check, 'dtolnay/rust-toolchain')?.with?.components).toBe('clippy, rustfmt');
    expect(uses(check, 'actions/setup-python')).toBeDefined();
    expect(uses(check, 'actions/setup-node')).toBeDefined();
    expect(runs(check)).toContain('bash tools/setup.sh'); // Poetry and the Python environment
    expect(uses(check, 'Swatinem/rust-cache')?.with?.workspaces).toBe('rust -> target');
    expect(uses(check, 'actions/cache')?.with?.path).toBe('.nx/cache');
    // a job without a token (a fork's pull request) must not point Nx at the server: a 401 stops Nx
    expect(workflow.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER).toBe(
      "${{ (github.event_name == 'push' && secrets.NX_CACHE_WRITE_TOKEN || secrets.NX_CACHE_READ_TOKEN) && vars.NX_CACHE_URL || '' }}",
    );
    expect(workflow.env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN).toBe(
      "${{ github.event_name == 'push' && secrets.NX_CACHE_WRITE_TOKEN || secrets.NX_CACHE_READ_TOKEN }}",
    );
  });
});

describe('tools/ci/shard-projects.mjs', () => {
  let copy: string;
  const shards = async (...args: string[]) =>
    JSON.parse(
      (await execa('node', ['tools/ci/shard-projects.mjs', ...args], { cwd: copy, env: nxEnv })).stdout,
    ) as Array<{
      shard: number;
      projects: string;
      exclude: string;
    }>;
  const withTarget = async (target: string): Promise<string[]> =>
    JSON.parse(
      (await execa('npx', ['nx', 'show', 'projects', '--json', '-t', target], { cwd: copy, env: nxEnv })).stdout,
    );

  beforeAll(async () => {
    copy = await copyRepository('nx-polyglot-shards-');
  });
  afterAll(() => removeCopy(copy));

  it('puts every project with a check in exactly one shard, sizes within one, each excluding the others', async () => {
    const expected = [
      ...new Set([...(await withTarget('test')), ...(await withTarget('lint')), ...(await withTarget('format'))]),
    ].sort();
    const result = await shards('--shards', '3', '--targets', 'test,lint,format');
    const lists = result.map((s) => s.projects.split(','));
    expect(lists.flat().sort()).toEqual(expected);
    const sizes = lists.map((l) => l.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const s of result) expect([...s.projects.split(','), ...s.exclude.split(',')].sort()).toEqual(expected);
  });

  it('with --affected, only what a change touches: a web-app edit is one shard with the web app alone', async () => {
    writeFileSync(join(copy, 'analytics-web-app', 'src', 'affected-probe.ts'), 'export const probe = 1;\n');
    const result = await shards('--shards', '3', '--targets', 'test,lint,format', '--affected');
    expect(result).toEqual([{ shard: 1, projects: 'analytics-web-app', exclude: '' }]);
  });
});
