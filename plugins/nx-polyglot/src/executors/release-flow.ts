import type { ExecutorContext } from '@nx/devkit';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess } from '../run-process';
import { openUnreleased } from '../release/changelog';
import type { CreateReleaseConfig } from '../release/github-release';
import { currentReleaseVersion, readReleaseManifests } from '../release/release-manifests';
import type { ReleaseManifests } from '../release/version-consistency';
import bump from './bump';
import { recoverBeforeStarting } from '../release/bump-journal';
import { githubRelease, releaseVersionOnDisk } from './release-step';

export interface ReleaseFlowOptions {
  /**
   * release: the version on disk; post-release: bump and reopen the changelog; rollback: yank a version;
   * github-release: create the GitHub release of a released version from its notes file.
   */
  step: 'release' | 'post-release' | 'rollback' | 'github-release';
  /** post-release: the next version (default: next minor). rollback, github-release: the version (default: on disk). */
  to?: string;
  vers?: string;
  /** rollback: un-yank. */
  undo?: boolean;
  /** The product name in the release notes' title. */
  product?: string;
  /** Where the release notes go, relative to the workspace root. */
  notesDir?: string;
  /**
   * Where the GitHub release is created when GITHUB_TOKEN or GH_TOKEN is set, in nx.json's
   * `createRelease` shapes (default 'github'); false: only the notes file.
   */
  createRelease?: CreateReleaseConfig | false;
  /** The git remote naming the GitHub repository, pushed to before the release is created. */
  gitRemote?: string;
  dryRun?: boolean;
}

export type Step = { success: boolean };

/** What every step works with: the options, the release version on disk, output and processes. */
export interface Flow {
  options: ReleaseFlowOptions;
  context: ExecutorContext;
  manifests: ReleaseManifests;
  version: string;
  dry: boolean;
  changelogFile: string;
  changelog: () => string;
  say: (s: string) => void;
  fail: (s: string) => Step;
  /** A command shown and streamed as it runs. */
  run: (file: string, args: string[], env?: Record<string, string>) => ReturnType<typeof runProcess>;
  git: (...args: string[]) => ReturnType<typeof runProcess>;
}

/**
 * The seed release plan as steps on top of the targets: `release` (version
 * check, CI checks, changelog section, commit + tag, publish, release notes,
 * and the GitHub release through nx release when a token is set),
 * `post-release` (lockstep bump, `## [Unreleased]`, commit), `rollback`
 * (yank every crate of a version; what remains is printed) and
 * `github-release` (the GitHub release of a released version, from its notes
 * file). Every step takes --dry-run: it prints what it would do and changes
 * nothing, and sends nothing to GitHub.
 */
export default async function releaseFlow(options: ReleaseFlowOptions, context: ExecutorContext): Promise<Step> {
  const say = (s: string) => process.stdout.write(`${s}\n`);
  const fail = (s: string): Step => (process.stderr.write(`${s}\n`), { success: false });
  // a bump killed half-way is rolled back before any step looks at the versions
  const blocked = recoverBeforeStarting(context.root, say, options.step);
  if (blocked) return fail(blocked);
  const manifests = readReleaseManifests(context);
  const version = currentReleaseVersion(manifests);
  if (!version) return fail('release: the release group has no version.');
  const changelogFile = join(context.root, 'CHANGELOG.md');
  const flow: Flow = {
    options,
    context,
    manifests,
    version,
    dry: options.dryRun ?? false,
    changelogFile,
    changelog: () => (existsSync(changelogFile) ? readFileSync(changelogFile, 'utf8') : ''),
    say,
    fail,
    run: (file, args, env) => {
      say(`$ ${[file, ...args].join(' ')}`);
      return runProcess(file, args, {
        cwd: context.root,
        env: env ? { ...process.env, ...env } : undefined,
        onOutput: (c) => process.stdout.write(c),
      });
    },
    git: (...args) => runProcess('git', args, { cwd: context.root }),
  };
  switch (options.step) {
    case 'rollback':
      return rollback(flow);
    case 'post-release':
      return postRelease(flow);
    case 'github-release':
      return githubRelease(flow);
    default:
      return releaseVersionOnDisk(flow);
  }
}

/** Yanks every crate of a version (--undo: un-yanks) and says what cannot be undone by API. */
async function rollback(flow: Flow): Promise<Step> {
  const target = flow.options.vers ?? flow.version;
  const r = await flow.run('npx', [
    'nx',
    'run-many',
    '-t',
    'yank',
    `--vers=${target}`,
    ...(flow.options.undo ? ['--undo'] : []),
    ...(flow.dry ? ['--dry-run'] : []),
  ]);
  if (r.exitCode !== 0) return flow.fail(`rollback: yanking ${target} failed (see above).`);
  flow.say(
    `\nWhat remains by hand: PyPI cannot yank through its API — yank ${target} of each Python package in the PyPI web UI (or delete it from a private index); ` +
      `deprecate npm versions with \`npm deprecate <name>@${target} "<why>"\`; say what happened in the release notes.`,
  );
  return { success: true };
}

/** Lockstep bump to the next version, a new `## [Unreleased]` section, one commit. */
async function postRelease(flow: Flow): Promise<Step> {
  const bumped = await bump({ to: flow.options.to, dryRun: flow.dry }, flow.context);
  if (!bumped.success) return flow.fail('post-release: the bump failed; nothing was committed.');
  const next = currentReleaseVersion(readReleaseManifests(flow.context)) as string;
  if (flow.dry) {
    flow.say('CHANGELOG.md: a new `## [Unreleased]` section above the newest release (dry run).');
    return { success: true };
  }
  writeFileSync(flow.changelogFile, openUnreleased(flow.changelog()));
  const changed = (await flow.git('diff', '--name-only')).output.split('\n').filter(Boolean);
  await flow.git('add', '--', ...changed);
  const commit = await flow.git('commit', '-q', '-m', `Bump version to ${next} for next development cycle`);
  if (commit.exitCode !== 0) return flow.fail(`post-release: git commit failed:\n${commit.output}`);
  flow.say(`Bumped to ${next}, opened [Unreleased], committed.`);
  return { success: true };
}
