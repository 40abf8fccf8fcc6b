import type { ExecutorContext } from '@nx/devkit';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { envName } from '../options';
import { PublishRecord, readPublishLog } from '../publish-log';
import { runProcess } from '../run-process';
import { indexPath } from '../cargo/sparse-index';
import { openUnreleased, releaseSection, sectionBody } from '../release/changelog';
import { currentReleaseVersion, readReleaseManifests } from '../release/release-manifests';
import { renderReleaseNotes } from '../release/release-notes';
import { versionMismatches } from '../release/version-consistency';
import bump from './bump';

export interface ReleaseFlowOptions {
  /** release: the version on disk; post-release: bump and reopen the changelog; rollback: yank a version. */
  step: 'release' | 'post-release' | 'rollback';
  /** post-release: the next version (default: next minor). rollback: the version to yank (default: on disk). */
  to?: string;
  vers?: string;
  /** rollback: un-yank. */
  undo?: boolean;
  /** The product name in the release notes' title. */
  product?: string;
  /** Where the release notes go, relative to the workspace root. */
  notesDir?: string;
  dryRun?: boolean;
}

type Step = { success: boolean };

/**
 * The seed release plan as three steps on top of the targets: `release` (version
 * check, CI checks, changelog section, commit + tag, publish, release notes),
 * `post-release` (lockstep bump, `## [Unreleased]`, commit) and `rollback`
 * (yank every crate of a version; what remains is printed). Every step takes
 * --dry-run: it prints what it would do and changes nothing.
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

  // release the version on disk
  const tag = `v${version}`;
  const mismatches = versionMismatches(manifests, version);
  if (mismatches.length) return fail(`release: the manifests do not agree on ${version}; run the version-check target. Nothing was done.`);
  if ((await git('status', '--porcelain')).output.trim() !== '' && !dry) return fail('release: the work tree has uncommitted changes; commit or stash them first. Nothing was done.');
  if ((await git('tag', '--list', tag)).output.trim() !== '') return fail(`release: the tag ${tag} already exists; ${version} was released. Run post-release to bump. Nothing was done.`);
  const date = new Date().toISOString().slice(0, 10);
  // the tag before this one, for the compare link (none on a first release)
  const previousTag = async () => {
    const r = await git('describe', '--tags', '--abbrev=0', `${tag}^`);
    return r.exitCode === 0 ? r.output.trim() : undefined;
  };
  const released = releaseSection(changelog(), version, date);
  const log = join(context.root, options.notesDir ?? 'dist/release', `publish-${tag}.jsonl`);
  mkdirSync(join(log, '..'), { recursive: true });
  if (dry) {
    say(`Release ${tag} (dry run: no commit, no tag, no upload):\n  CHANGELOG.md gets "## [${version}] - ${date}"\n  commit "Release ${tag}", tag ${tag}`);
    const plan = await run('npx', ['nx', 'run-many', '-t', 'publish', '--dry-run']);
    return { success: plan.exitCode === 0 };
  }
  const checks = await run('npx', ['nx', 'run-many', '-t', 'test', 'lint', 'format']);
  if (checks.exitCode !== 0) return fail('release: the CI checks failed; nothing was committed, tagged or published.');
  writeFileSync(changelogFile, released);
  await git('add', '--', 'CHANGELOG.md');
  const commit = await git('commit', '-q', '-m', `Release ${tag}`);
  if (commit.exitCode !== 0) return fail(`release: git commit failed:\n${commit.output}`);
  const tagged = await git('tag', '-a', tag, '-m', `Release ${tag}`);
  if (tagged.exitCode !== 0) return fail(`release: git tag failed:\n${tagged.output}`);
  writeFileSync(log, '');
  const published = await run('npx', ['nx', 'run-many', '-t', 'publish'], { NX_POLYGLOT_PUBLISH_LOG: log });
  const records = readPublishLog(log);
  const notes = renderReleaseNotes({
    product: options.product,
    version,
    date,
    whatsNew: sectionBody(released, version),
    crates: records.filter((r) => r.ecosystem === 'cargo' && r.status !== 'failed').map(link),
    python: records.filter((r) => r.ecosystem === 'python' && r.status !== 'failed').map(link)[0],
    npm: records.filter((r) => r.ecosystem === 'npm' && r.status !== 'failed').map(link),
    previousTag: await previousTag(),
  });
  const notesFile = join(context.root, options.notesDir ?? 'dist/release', `${tag}.md`);
  writeFileSync(notesFile, notes);
  say(`Release notes: ${relative(context.root, notesFile)} (create the GitHub release from it: \`gh release create ${tag} -F ${relative(context.root, notesFile)}\`).`);
  if (published.exitCode !== 0) return fail(`release: publishing failed part-way; the registries are the source of truth: run \`nx run-many -t publish\` again to finish ${tag}.`);
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
