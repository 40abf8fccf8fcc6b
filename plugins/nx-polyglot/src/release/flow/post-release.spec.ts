import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runProcess } from '../../run-process';
import type { FlowContext } from './context';
import { postRelease } from './post-release';

const git = (root: string, ...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();

/** The post-release step in a real git repository; the bump is the caller's (the lockstep bump executor). */
function flowIn(root: string, dryRun = false) {
  const said: string[] = [];
  const flow: FlowContext = {
    root,
    target: 'root:release',
    manifests: { cargo: [], python: [], packageJson: [] },
    version: '0.23.0',
    versionOnDisk: () => '0.24.0',
    dryRun,
    log: { say: (l) => void said.push(l), fail: (l) => (said.push(l), { success: false }) },
    run: () => Promise.reject(new Error('post-release runs no command')),
    git: (...args) => runProcess('git', args, { cwd: root }),
  };
  const bump = async () => (writeFileSync(join(root, 'VERSION'), '0.24.0\n'), { success: true });
  return { run: () => postRelease(flow, {}, bump), said };
}

/** A repository released as Micromegas released v0.23.0: `## Unreleased` renamed in the release commit. */
function released(root: string, beforeRelease: string, atRelease: string) {
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'config', 'user.name', 'test');
  git(root, 'config', 'user.email', 'test@localhost');
  writeFileSync(join(root, 'CHANGELOG.md'), beforeRelease);
  writeFileSync(join(root, 'VERSION'), '0.23.0\n');
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'work');
  writeFileSync(join(root, 'CHANGELOG.md'), atRelease);
  git(root, 'commit', '-qam', 'Release v0.23.0');
  git(root, 'tag', 'v0.23.0');
}

describe('post-release: the unreleased heading back in the file style, never a second', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'nx-polyglot-post-release-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('puts back the heading the file had before its release, CRLF kept, in the bump commit', async () => {
    const crlf = (...lines: string[]) => lines.join('\r\n') + '\r\n';
    released(
      root,
      crlf('# Changelog', '', '## Unreleased', '', '* New', '', '## March 2026 - v0.22.0'),
      crlf('# Changelog', '', '## March 2026 - v0.23.0', '', '* New', '', '## March 2026 - v0.22.0'),
    );
    const { run, said } = flowIn(root);
    expect(await run()).toEqual({ success: true });
    expect(readFileSync(join(root, 'CHANGELOG.md'), 'utf8')).toBe(
      crlf(
        '# Changelog',
        '',
        '## Unreleased',
        '',
        '## March 2026 - v0.23.0',
        '',
        '* New',
        '',
        '## March 2026 - v0.22.0',
      ),
    );
    expect(git(root, 'log', '-1', '--format=%s')).toBe('Bump version to 0.24.0 for next development cycle');
    expect(git(root, 'show', '--name-only', '--format=', 'HEAD').split('\n').sort()).toEqual([
      'CHANGELOG.md',
      'VERSION',
    ]);
    expect(said.join('\n')).toContain('`## Unreleased` open in CHANGELOG.md');
  });

  it('leaves a kept unreleased heading alone; a dry run says so and changes nothing', async () => {
    const kept = '## [Unreleased] - ReleaseDate\n\n## [0.23.0] - 2026-03-26\n\n- New\n';
    released(root, '## [Unreleased] - ReleaseDate\n\n- New\n', kept);
    const dry = flowIn(root, true);
    expect(await dry.run()).toEqual({ success: true });
    expect(dry.said.join('\n')).toContain('CHANGELOG.md keeps its `## [Unreleased] - ReleaseDate` heading (dry run)');
    expect(await flowIn(root).run()).toEqual({ success: true });
    expect(readFileSync(join(root, 'CHANGELOG.md'), 'utf8')).toBe(kept);
  });

  it('refuses a changelog it does not understand before bumping anything', async () => {
    released(root, '## Unreleased\n', '## Release of the spring - v0.23.0 and more\n');
    const { run, said } = flowIn(root);
    expect(await run()).toEqual({ success: false });
    expect(said.join('\n')).toMatch(
      /^post-release: CHANGELOG\.md:1: the heading .* is not understood as one\. .* Nothing was done\.$/s,
    );
    expect(readFileSync(join(root, 'VERSION'), 'utf8')).toBe('0.23.0\n');
  });
});
