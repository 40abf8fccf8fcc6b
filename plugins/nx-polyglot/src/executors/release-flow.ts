import type { ExecutorContext } from '@nx/devkit';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { envName } from '../options';
import { PublishRecord, readPublishLog } from '../publish-log';
import { runProcess } from '../run-process';
import { indexPath } from '../cargo/sparse-index';
import { openUnreleased, releaseSection, sectionBody } from '../release/changelog';
import { CreateReleaseConfig, GithubCreate, planGithubRelease, runGithubRelease } from '../release/github-release';
import { currentReleaseVersion, readReleaseManifests } from '../release/release-manifests';
import { renderReleaseNotes } from '../release/release-notes';
import { versionMismatches } from '../release/version-consistency';
import bump from './bump';

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

type Step = { success: boolean };

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
  const run = async (file: string, args: string[], env?: Record<string, string>) => {
    say(`$ ${[file, ...args].join(' ')}`);
    return runProcess(file, args, { cwd: context.root, env: env ? { ...process.env, ...env } : undefined, onOutput: (c) => process.stdout.write(c) });
  };
  const git = (...args: string[]) => runProcess('git', args, { cwd: context.root });
  const changelogFile = join(context.root, 'CHANGELOG.md');
  const changelog = () => (existsSync(changelogFile) ? readFileSync(changelogFile, 'utf8') : '');
  const manifests = readReleaseManifests(context);
  const version = currentReleaseVersion(manifests);
  if (!version) return fail('release: the release group has no version.');
  const dry = options.dryRun ?? false;

  if (options.step === 'rollback') {
    const target = options.vers ?? version;
    const r = await run('npx', ['nx', 'run-many', '-t', 'yank', `--vers=${target}`, ...(options.undo ? ['--undo'] : []), ...(dry ? ['--dry-run'] : [])]);
    if (r.exitCode !== 0) return fail(`rollback: yanking ${target} failed (see above).`);
    say(
      `\nWhat remains by hand: PyPI cannot yank through its API — yank ${target} of each Python package in the PyPI web UI (or delete it from a private index); ` +
        `deprecate npm versions with \`npm deprecate <name>@${target} "<why>"\`; say what happened in the release notes.`,
    );
    return { success: true };
  }

  if (options.step === 'post-release') {
    const bumped = await bump({ to: options.to, dryRun: dry }, context);
    if (!bumped.success) return fail('post-release: the bump failed; nothing was committed.');
    const next = currentReleaseVersion(readReleaseManifests(context)) as string;
    if (dry) {
      say('CHANGELOG.md: a new `## [Unreleased]` section above the newest release (dry run).');
      return { success: true };
    }
    writeFileSync(changelogFile, openUnreleased(changelog()));
    const changed = (await git('diff', '--name-only')).output.split('\n').filter(Boolean);
    await git('add', '--', ...changed);
    const commit = await git('commit', '-q', '-m', `Bump version to ${next} for next development cycle`);
    if (commit.exitCode !== 0) return fail(`post-release: git commit failed:\n${commit.output}`);
    say(`Bumped to ${next}, opened [Unreleased], committed.`);
    return { success: true };
  }

  const notesDir = options.notesDir ?? 'dist/release';
  const notesFileOf = (tag: string) => join(context.root, notesDir, `${tag}.md`);
  const gitRemote = options.gitRemote ?? 'origin';
  const planGithub = (tag: string) => planGithubRelease({ root: context.root, tag, createRelease: options.createRelease ?? 'github', gitRemote, env: process.env });
  // this target with another step, for the messages that say what to run next
  const rerun = (step: string, target: string) => `npx nx run ${context.projectName}:${context.targetName} --step=${step} --vers=${target}`;
  const createOnGithub = async (github: GithubCreate, target: string, notesFile: string): Promise<boolean> => {
    say(`Pushing to ${gitRemote} and creating the GitHub release v${target} through nx release (token from ${github.tokenVariable}).`);
    const created = await runGithubRelease(context.root, github, target, notesFile);
    // after Nx's own output, which may end mid-line
    say(created ? `\nGitHub release: ${github.releaseUrl}` : '');
    return created;
  };

  if (options.step === 'github-release') {
    const target = options.vers ?? version;
    const tag = `v${target}`;
    const notesFile = notesFileOf(tag);
    if (!existsSync(notesFile)) return fail(`github-release: ${relative(context.root, notesFile)} does not exist; the release step of ${target} writes it. Nothing was done.`);
    if ((await git('tag', '--list', tag)).output.trim() === '') return fail(`github-release: there is no tag ${tag}; release ${target} first. Nothing was done.`);
    const github = await planGithub(tag);
    if ('error' in github) return fail(`github-release: ${github.error} Nothing was done.`);
    if (!github.create) return fail(`github-release: ${github.why}; set GITHUB_TOKEN or GH_TOKEN (with createRelease not false). Nothing was done.`);
    if (dry) {
      say(`Would push to ${gitRemote} and create ${github.releaseUrl} through nx release (token from ${github.tokenVariable}), its body ${relative(context.root, notesFile)} (dry run: nothing is sent).`);
      return { success: true };
    }
    return (await createOnGithub(github, target, notesFile)) ? { success: true } : fail(`github-release: the GitHub release ${tag} was not created (see above).`);
  }

  // release the version on disk
  const tag = `v${version}`;
  const mismatches = versionMismatches(manifests, version);
  if (mismatches.length) return fail(`release: the manifests do not agree on ${version}; run the version-check target. Nothing was done.`);
  if ((await git('status', '--porcelain')).output.trim() !== '' && !dry) return fail('release: the work tree has uncommitted changes; commit or stash them first. Nothing was done.');
  if ((await git('tag', '--list', tag)).output.trim() !== '') return fail(`release: the tag ${tag} already exists; ${version} was released. Run post-release to bump. Nothing was done.`);
  // decided up front: a token with nowhere to send the release stops the release before it starts
  const github = await planGithub(tag);
  if ('error' in github) return fail(`release: ${github.error} Nothing was done.`);
  const date = new Date().toISOString().slice(0, 10);
  const released = releaseSection(changelog(), version, date);
  const notesFile = notesFileOf(tag);
  const notesFrom = async (records: PublishRecord[]) => {
    // the tag before this one, for the compare link (none on a first release)
    const previous = await git('describe', '--tags', '--abbrev=0', dry ? 'HEAD' : `${tag}^`);
    return renderReleaseNotes({
      product: options.product,
      version,
      date,
      whatsNew: sectionBody(released, version),
      crates: records.filter((r) => r.ecosystem === 'cargo' && r.status !== 'failed').map(link),
      python: records.filter((r) => r.ecosystem === 'python' && r.status !== 'failed').map(link)[0],
      npm: records.filter((r) => r.ecosystem === 'npm' && r.status !== 'failed').map(link),
      repository: github.repository,
      previousTag: previous.exitCode === 0 ? previous.output.trim() : undefined,
    });
  };
  const notesPath = relative(context.root, notesFile);
  const gh = `\`gh release create ${tag} -F ${notesPath}\``;
  const later = (why: string) =>
    `Release notes: ${notesPath} (no GitHub release: ${why}). Create it from them later: ` +
    (options.createRelease === false ? `${gh}.` : `with GITHUB_TOKEN or GH_TOKEN set, \`${rerun('github-release', version)}\` (through nx release), or ${gh}.`);

  if (dry) {
    say(`Release ${tag} (dry run: no commit, no tag, no upload):\n  CHANGELOG.md gets "## [${version}] - ${date}"\n  commit "Release ${tag}", tag ${tag}`);
    // the planned packages make the notes the release would have
    const scratch = mkdtempSync(join(tmpdir(), 'nx-polyglot-release-'));
    try {
      const log = join(scratch, 'publish.jsonl');
      const plan = await run('npx', ['nx', 'run-many', '-t', 'publish', '--dry-run'], { NX_POLYGLOT_PUBLISH_LOG: log });
      const notes = await notesFrom(readPublishLog(log));
      say(
        github.create
          ? `\nWould push to ${gitRemote} and create ${github.releaseUrl} through nx release (token from ${github.tokenVariable}; nothing is sent in a dry run), with this body:\n`
          : `\nWould write ${notesPath} (no GitHub release: ${github.why}):\n`,
      );
      say(notes);
      return { success: plan.exitCode === 0 };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const checks = await run('npx', ['nx', 'run-many', '-t', 'test', 'lint', 'format']);
  if (checks.exitCode !== 0) return fail('release: the CI checks failed; nothing was committed, tagged or published.');
  writeFileSync(changelogFile, released);
  await git('add', '--', 'CHANGELOG.md');
  const commit = await git('commit', '-q', '-m', `Release ${tag}`);
  if (commit.exitCode !== 0) return fail(`release: git commit failed:\n${commit.output}`);
  const tagged = await git('tag', '-a', tag, '-m', `Release ${tag}`);
  if (tagged.exitCode !== 0) return fail(`release: git tag failed:\n${tagged.output}`);
  const log = join(context.root, notesDir, `publish-${tag}.jsonl`);
  mkdirSync(join(log, '..'), { recursive: true });
  writeFileSync(log, '');
  const published = await run('npx', ['nx', 'run-many', '-t', 'publish'], { NX_POLYGLOT_PUBLISH_LOG: log });
  const notes = await notesFrom(readPublishLog(log));
  // written in every case: the record of the release, and the body to retry with
  writeFileSync(notesFile, notes);
  if (published.exitCode !== 0) {
    say(`Release notes: ${notesPath}, listing what was published; no GitHub release while packages are missing.`);
    return fail(`release: publishing failed part-way; the registries are the source of truth: run \`nx run-many -t publish\` again to finish ${tag}.`);
  }
  if (!github.create) {
    say(later(github.why));
    return { success: true };
  }
  say(`Release notes: ${notesPath}`);
  if (!(await createOnGithub(github, version, notesFile))) {
    return fail(`release: ${tag} is tagged and published, but its GitHub release was not created (see above). Retry with \`${rerun('github-release', version)}\`.`);
  }
  return { success: true };
}

/** A published package's page: the public registries' pages, else its entry in the configured index. */
function link(r: PublishRecord): { name: string; version: string; url: string } {
  const env = process.env;
  let url: string;
  if (r.ecosystem === 'cargo') {
    url = r.registry === 'crates-io' ? `https://crates.io/crates/${r.name}/${r.version}` : `${(env[`CARGO_REGISTRIES_${envName(r.registry)}_INDEX`] ?? '').replace(/^sparse\+/, '')}${indexPath(r.name)}`;
  } else if (r.ecosystem === 'python') {
    const upload = env[`POETRY_REPOSITORIES_${envName(r.registry)}_URL`];
    url = r.registry === 'pypi' || !upload ? `https://pypi.org/project/${r.name}/${r.version}/` : `${upload.replace(/\/?$/, '/')}simple/${r.name}/`;
  } else {
    url = `${r.registry.replace(/\/?$/, '/')}${r.name}`;
  }
  return { name: r.name, version: r.version, url };
}
