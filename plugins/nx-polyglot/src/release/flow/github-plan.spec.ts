import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planGithubRelease } from './github-plan';

describe('planGithubRelease, on a git repository', () => {
  let root: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root });
  const plan = (
    env: Record<string, string>,
    more: { createRelease?: Parameters<typeof planGithubRelease>[0]['createRelease']; gitRemote?: string } = {},
  ) =>
    planGithubRelease({
      root,
      tag: 'v0.12.0',
      createRelease: more.createRelease ?? 'github',
      gitRemote: more.gitRemote ?? 'origin',
      env,
    });

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-polyglot-github-'));
    git('init', '-q');
    git('remote', 'add', 'origin', 'git@github.com:madesroches/micromegas.git');
    git('remote', 'add', 'mirror', 'https://user:secret@gitlab.example.test/a/b.git');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates the release on GitHub when a token is set', async () => {
    expect(await plan({ GH_TOKEN: 'token' })).toEqual({
      create: true,
      createRelease: 'github',
      gitRemote: 'origin',
      tokenVariable: 'GH_TOKEN',
      repository: 'https://github.com/madesroches/micromegas',
      releaseUrl: 'https://github.com/madesroches/micromegas/releases/tag/v0.12.0',
    });
  });

  it('writes the notes file without a token, or with createRelease false', async () => {
    expect(await plan({})).toEqual({
      create: false,
      why: 'neither GITHUB_TOKEN nor GH_TOKEN is set',
      repository: 'https://github.com/madesroches/micromegas',
    });
    expect(await plan({ GITHUB_TOKEN: 'token' }, { createRelease: false })).toEqual({
      create: false,
      why: 'createRelease is false',
    });
  });

  it('refuses a token with nowhere to create the release, naming the remote and the fix', async () => {
    const missing = await plan({ GITHUB_TOKEN: 'token' }, { gitRemote: 'upstream' });
    expect(missing).toEqual({
      error: expect.stringContaining(
        'git remote `upstream` does not exist. Add it (`git remote add upstream https://github.com/<owner>/<repo>.git`)',
      ),
    });
    const elsewhere = await plan({ GITHUB_TOKEN: 'token' }, { gitRemote: 'mirror' });
    expect(elsewhere).toEqual({
      error: expect.stringContaining('points at https://gitlab.example.test/a/b.git, not a repository on github.com'),
    });
    expect(JSON.stringify(elsewhere)).not.toContain('secret');
    const enterprise = await plan(
      { GITHUB_TOKEN: 'token' },
      { createRelease: { provider: 'github-enterprise-server', hostname: 'github.example.test' } },
    );
    expect(enterprise).toEqual({
      error: expect.stringContaining(
        'points at git@github.com:madesroches/micromegas.git, not a repository on github.example.test',
      ),
    });
  });
});
