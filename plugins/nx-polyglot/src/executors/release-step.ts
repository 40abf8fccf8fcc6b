import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { envName } from '../options';
import { PublishRecord, readPublishLog } from '../publish/publish-log';
import { indexPath } from '../cargo/sparse-index';
import { releaseSection, sectionBody } from '../release/changelog';
import { GithubCreate, planGithubRelease, runGithubRelease } from '../release/github-release';
import { renderReleaseNotes } from '../release/release-notes';
import { versionMismatches } from '../release/version-consistency';
import { lockMismatches } from '../release/lock-consistency';
import type { Flow, Step } from './release-flow';

/** Where the notes go and how the GitHub release is made, shared by the release and github-release steps. */
function notesAndGithub(flow: Flow) {
  const { options, context, say } = flow;
  const notesDir = options.notesDir ?? 'dist/release';
  const notesFileOf = (tag: string) => join(context.root, notesDir, `${tag}.md`);
  const gitRemote = options.gitRemote ?? 'origin';
  const planGithub = (tag: string) =>
    planGithubRelease({
      root: context.root,
      tag,
      createRelease: options.createRelease ?? 'github',
      gitRemote,
      env: process.env,
    });
  // this target with another step, for the messages that say what to run next
  const rerun = (step: string, target: string) =>
    `npx nx run ${context.projectName}:${context.targetName} --step=${step} --vers=${target}`;
  const createOnGithub = async (github: GithubCreate, target: string, notesFile: string): Promise<boolean> => {
    say(
      `Pushing to ${gitRemote} and creating the GitHub release v${target} through nx release (token from ${github.tokenVariable}).`,
    );
    const created = await runGithubRelease(context.root, github, target, notesFile);
    // after Nx's own output, which may end mid-line
    say(created ? `\nGitHub release: ${github.releaseUrl}` : '');
    return created;
  };
  return { notesDir, notesFileOf, gitRemote, planGithub, rerun, createOnGithub };
}

/** The GitHub release of a released (tagged) version, from its notes file, through nx release. */
export async function githubRelease(flow: Flow): Promise<Step> {
  const { options, context, version, dry, say, fail, git } = flow;
  const { notesFileOf, gitRemote, planGithub, createOnGithub } = notesAndGithub(flow);
  const target = options.vers ?? version;
  const tag = `v${target}`;
  const notesFile = notesFileOf(tag);
  if (!existsSync(notesFile))
    return fail(
      `github-release: ${relative(context.root, notesFile)} does not exist; the release step of ${target} writes it. Nothing was done.`,
    );
  if ((await git('tag', '--list', tag)).output.trim() === '')
    return fail(`github-release: there is no tag ${tag}; release ${target} first. Nothing was done.`);
  const github = await planGithub(tag);
  if ('error' in github) return fail(`github-release: ${github.error} Nothing was done.`);
  if (!github.create)
    return fail(
      `github-release: ${github.why}; set GITHUB_TOKEN or GH_TOKEN (with createRelease not false). Nothing was done.`,
    );
  if (dry) {
    say(
      `Would push to ${gitRemote} and create ${github.releaseUrl} through nx release (token from ${github.tokenVariable}), its body ${relative(context.root, notesFile)} (dry run: nothing is sent).`,
    );
    return { success: true };
  }
  return (await createOnGithub(github, target, notesFile))
    ? { success: true }
    : fail(`github-release: the GitHub release ${tag} was not created (see above).`);
}

/**
 * Releases the version on disk: consistency, CI checks, changelog section,
 * commit and tag, publish, release notes, and the GitHub release when a token
 * is set. Refuses before changing anything when the tree is dirty, the tag
 * exists or a token has nowhere to send the release.
 */
export async function releaseVersionOnDisk(flow: Flow): Promise<Step> {
  const { options, context, manifests, version, dry, say, fail, run, git, changelog, changelogFile } = flow;
  const { notesDir, notesFileOf, gitRemote, planGithub, rerun, createOnGithub } = notesAndGithub(flow);
  const tag = `v${version}`;
  const mismatches = [...versionMismatches(manifests, version), ...lockMismatches(manifests, context.root)];
  if (mismatches.length)
    return fail(
      `release: the manifests and lock files do not agree on ${version}; run the version-check target. Nothing was done.`,
    );
  if ((await git('status', '--porcelain')).output.trim() !== '' && !dry)
    return fail('release: the work tree has uncommitted changes; commit or stash them first. Nothing was done.');
  if ((await git('tag', '--list', tag)).output.trim() !== '')
    return fail(
      `release: the tag ${tag} already exists; ${version} was released. Run post-release to bump. Nothing was done.`,
    );
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
    (options.createRelease === false
      ? `${gh}.`
      : `with GITHUB_TOKEN or GH_TOKEN set, \`${rerun('github-release', version)}\` (through nx release), or ${gh}.`);

  if (dry) {
    say(
      `Release ${tag} (dry run: no commit, no tag, no upload):\n  CHANGELOG.md gets "## [${version}] - ${date}"\n  commit "Release ${tag}", tag ${tag}`,
    );
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
    return fail(
      `release: publishing failed part-way; the registries are the source of truth: run \`nx run-many -t publish\` again to finish ${tag}.`,
    );
  }
  if (!github.create) {
    say(later(github.why));
    return { success: true };
  }
  say(`Release notes: ${notesPath}`);
  if (!(await createOnGithub(github, version, notesFile))) {
    return fail(
      `release: ${tag} is tagged and published, but its GitHub release was not created (see above). Retry with \`${rerun('github-release', version)}\`.`,
    );
  }
  return { success: true };
}

/** A published package's page: the public registries' pages, else its entry in the configured index. */
function link(r: PublishRecord): { name: string; version: string; url: string } {
  const env = process.env;
  let url: string;
  if (r.ecosystem === 'cargo') {
    url =
      r.registry === 'crates-io'
        ? `https://crates.io/crates/${r.name}/${r.version}`
        : `${(env[`CARGO_REGISTRIES_${envName(r.registry)}_INDEX`] ?? '').replace(/^sparse\+/, '')}${indexPath(r.name)}`;
  } else if (r.ecosystem === 'python') {
    const upload = env[`POETRY_REPOSITORIES_${envName(r.registry)}_URL`];
    url =
      r.registry === 'pypi' || !upload
        ? `https://pypi.org/project/${r.name}/${r.version}/`
        : `${upload.replace(/\/?$/, '/')}simple/${r.name}/`;
  } else {
    url = `${r.registry.replace(/\/?$/, '/')}${r.name}`;
  }
  return { name: r.name, version: r.version, url };
}
