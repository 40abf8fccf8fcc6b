// The cache scopes of .github/workflows/ci.yml: pull requests write only into
// their own scope, pushes to main into main's (actionlint runs in ci-workflow.spec.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './repo-copy';

interface Step {
  name?: string;
  if?: string;
  run?: string;
  env?: Record<string, string>;
}

describe('the remote cache scopes of .github/workflows/ci.yml', () => {
  const workflow = parse(readFileSync(join(repoRoot, '.github', 'workflows', 'ci.yml'), 'utf8'));
  const steps: Step[] = workflow.jobs.check.steps;
  const affected = steps.find((s) => s.run?.includes('nx affected'))!;
  const all = steps.find((s) => s.run?.includes('nx run-many'))!;

  it('a pull request’s checks use the PR token on the pull request’s scope, else the read token on main’s', () => {
    expect(affected.if).toBe("github.event_name == 'pull_request'");
    expect(affected.env?.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN).toBe(
      '${{ secrets.NX_CACHE_PR_TOKEN || secrets.NX_CACHE_READ_TOKEN }}',
    );
    expect(affected.env?.NX_SELF_HOSTED_REMOTE_CACHE_SERVER).toBe(
      "${{ vars.NX_CACHE_URL && (secrets.NX_CACHE_PR_TOKEN && format('{0}/scopes/pr-{1}', vars.NX_CACHE_URL, github.event.pull_request.number) || secrets.NX_CACHE_READ_TOKEN && vars.NX_CACHE_URL) || '' }}",
    );
  });

  it('the write token appears only where pushes to main run, and no step of a pull request overrides that', () => {
    expect(workflow.env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN).toMatch(
      /^\$\{\{ github\.event_name == 'push' && secrets\.NX_CACHE_WRITE_TOKEN \|\|/,
    );
    expect(all.if).toBe("github.event_name == 'push'");
    expect(all.env).toBeUndefined();
    const text = readFileSync(join(repoRoot, '.github', 'workflows', 'ci.yml'), 'utf8');
    expect(text.match(/secrets\.NX_CACHE_WRITE_TOKEN/g)).toHaveLength(2); // the two workflow-level lines
    for (const step of steps) expect(JSON.stringify(step.env ?? {})).not.toContain('NX_CACHE_WRITE_TOKEN');
  });
});
