import { describe, expect, it } from 'vitest';
import { githubHost, githubSlug, githubTokenVariable, redactRemote } from './github-remote';

describe('githubSlug', () => {
  it('reads owner/repo from the remote URL forms git accepts', () => {
    expect(githubSlug('https://github.com/madesroches/micromegas.git', 'github.com')).toBe('madesroches/micromegas');
    expect(githubSlug('https://github.com/madesroches/micromegas', 'github.com')).toBe('madesroches/micromegas');
    expect(githubSlug('https://x-access-token:abc@github.com/madesroches/micromegas.git/', 'github.com')).toBe(
      'madesroches/micromegas',
    );
    expect(githubSlug('git@github.com:madesroches/micromegas.git', 'github.com')).toBe('madesroches/micromegas');
    expect(githubSlug('ssh://git@ssh.github.com:443/madesroches/micromegas.git', 'github.com')).toBe(
      'madesroches/micromegas',
    );
    expect(githubSlug('https://GitHub.example.test/team/app.git', 'github.example.test')).toBe('team/app');
  });

  it('is undefined for a remote on another host or without owner and repository', () => {
    expect(githubSlug('https://gitlab.com/madesroches/micromegas.git', 'github.com')).toBeUndefined();
    expect(githubSlug('https://github.com/micromegas.git', 'github.com')).toBeUndefined();
    expect(githubSlug('/srv/git/micromegas.git', 'github.com')).toBeUndefined();
    expect(githubSlug('https://github.example.test/team/app.git', 'github.com')).toBeUndefined();
  });
});

describe('the token and the host', () => {
  it('names the variable Nx takes the token from, GITHUB_TOKEN first, never its value', () => {
    expect(githubTokenVariable({ GH_TOKEN: 'b', GITHUB_TOKEN: 'a' })).toBe('GITHUB_TOKEN');
    expect(githubTokenVariable({ GH_TOKEN: 'b' })).toBe('GH_TOKEN');
    expect(githubTokenVariable({ GITHUB_TOKEN: '' })).toBeUndefined();
  });

  it('is github.com, or the Enterprise server named', () => {
    expect(githubHost('github')).toBe('github.com');
    expect(githubHost({ provider: 'github-enterprise-server', hostname: 'git.example.test' })).toBe('git.example.test');
  });

  it('prints remote URLs without their credentials', () => {
    expect(redactRemote('https://user:secret@github.com/o/r.git')).toBe('https://github.com/o/r.git');
    expect(redactRemote('git@github.com:o/r.git')).toBe('git@github.com:o/r.git');
  });
});
