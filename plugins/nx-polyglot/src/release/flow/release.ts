import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { readPublishLog } from '../../publish/publish-log';
import { releaseSection, sectionBody } from '../changelog';
import { lockMismatches } from '../lock-consistency';
import { versionMismatches } from '../version-consistency';
import { changelogFile, FlowContext, readChangelog, StepResult } from './context';
import type { GithubPlan } from './github-plan';
import { createOnGithub, GithubOptions, planGithub, rerunCommand } from './github-release';
import { notesDirOf, notesFileOf, notesFromPublishLog } from './notes';

export type ReleaseOptions = GithubOptions & { product?: string };

/** What the release of the version on disk will write, decided before it changes anything. */
interface ReleasePlan {
  version: string;
  tag: string;
  date: string;
  /** CHANGELOG.md with `## [Unreleased]` become `## [<version>] - <date>` */
  changelog: string;
  notesFile: string;
  /** the notes file relative to the workspace root, for messages */
  notesPath: string;
  github: Exclude<GithubPlan, { error: string }>;
}

/**
 * Releases the version on disk: consistency, CI checks, changelog section,
 * commit and tag, publish, release notes, and the GitHub release when a token
 * is set. Refuses before changing anything when the tree is dirty, the tag
 * exists or a token has nowhere to send the release.
 */
export async function releaseVersionOnDisk(flow: FlowContext, options: ReleaseOptions): Promise<StepResult> {
  const refusal = await refusalBeforeRelease(flow);
  if (refusal) return flow.log.fail(`release: ${refusal} Nothing was done.`);
  const plan = await planRelease(flow, options);
  if ('error' in plan) return flow.log.fail(`release: ${plan.error} Nothing was done.`);
  if (flow.dryRun) return previewRelease(flow, options, plan);

  const checks = await flow.run('npx', ['nx', 'run-many', '-t', 'test', 'lint', 'format']);
  if (checks.exitCode !== 0)
    return flow.log.fail('release: the CI checks failed; nothing was committed, tagged or published.');
  const committed = await commitAndTag(flow, plan);
  if (committed) return flow.log.fail(`release: ${committed}`);
  const published = await publishEverything(flow, options, plan);
  // written in every case: the record of the release, and the body to retry with
  writeFileSync(plan.notesFile, published.notes);
  if (!published.ok) {
    flow.log.say(
      `Release notes: ${plan.notesPath}, listing what was published; no GitHub release while packages are missing.`,
    );
    return flow.log.fail(
      `release: publishing failed part-way; the registries are the source of truth: run \`nx run-many -t publish\` again to finish ${plan.tag}.`,
    );
  }
  return announce(flow, options, plan);
}

/** Why the version on disk cannot be released now, if it cannot: the manifests disagree, the tree is dirty, the tag exists. */
async function refusalBeforeRelease(flow: FlowContext): Promise<string | undefined> {
  const { version, git } = flow;
  const mismatches = [...versionMismatches(flow.manifests, version), ...lockMismatches(flow.manifests, flow.root)];
  if (mismatches.length)
    return `the manifests and lock files do not agree on ${version}; run the version-check target.`;
  // a dry run changes nothing, so it may preview a tree with edits in progress
  if (!flow.dryRun && (await git('status', '--porcelain')).output.trim() !== '')
    return 'the work tree has uncommitted changes; commit or stash them first.';
  if ((await git('tag', '--list', `v${version}`)).output.trim() !== '')
    return `the tag v${version} already exists; ${version} was released. Run post-release to bump.`;
  return undefined;
}

/** The changelog section, the notes file and where the GitHub release goes (a token with nowhere to send it is an error). */
async function planRelease(flow: FlowContext, options: ReleaseOptions): Promise<ReleasePlan | { error: string }> {
  const { version, root } = flow;
  const tag = `v${version}`;
  const github = await planGithub(flow, options, tag);
  if ('error' in github) return github;
  const date = new Date().toISOString().slice(0, 10);
  const notesFile = notesFileOf(root, options, tag);
  return {
    version,
    tag,
    date,
    changelog: releaseSection(readChangelog(root), version, date),
    notesFile,
    notesPath: relative(root, notesFile),
    github,
  };
}

/** The notes of this release from a publish log: the packages it lists, the changelog section, the compare link. */
async function renderNotes(
  flow: FlowContext,
  options: ReleaseOptions,
  plan: ReleasePlan,
  publishLog: string,
): Promise<string> {
  // the tag before this one, for the compare link (none on a first release); in a dry run there is no tag yet
  const previous = await flow.git('describe', '--tags', '--abbrev=0', flow.dryRun ? 'HEAD' : `${plan.tag}^`);
  return notesFromPublishLog(readPublishLog(publishLog), {
    product: options.product,
    version: plan.version,
    date: plan.date,
    whatsNew: sectionBody(plan.changelog, plan.version),
    repository: plan.github.repository,
    previousTag: previous.exitCode === 0 ? previous.output.trim() : undefined,
  });
}

/** The dry run: what would be committed and tagged, the publish plan, and the notes the planned packages make. */
async function previewRelease(flow: FlowContext, options: ReleaseOptions, plan: ReleasePlan): Promise<StepResult> {
  const { say } = flow.log;
  const { tag, version, date, github } = plan;
  say(
    `Release ${tag} (dry run: no commit, no tag, no upload):\n  CHANGELOG.md gets "## [${version}] - ${date}"\n  commit "Release ${tag}", tag ${tag}`,
  );
  const scratch = mkdtempSync(join(tmpdir(), 'nx-polyglot-release-'));
  try {
    const log = join(scratch, 'publish.jsonl');
    const publishPlan = await flow.run('npx', ['nx', 'run-many', '-t', 'publish', '--dry-run'], {
      NX_POLYGLOT_PUBLISH_LOG: log,
    });
    const notes = await renderNotes(flow, options, plan, log);
    say(
      github.create
        ? `\nWould push to ${github.gitRemote} and create ${github.releaseUrl} through nx release (token from ${github.tokenVariable}; nothing is sent in a dry run), with this body:\n`
        : `\nWould write ${plan.notesPath} (no GitHub release: ${github.why}):\n`,
    );
    say(notes);
    return { success: publishPlan.exitCode === 0 };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The changelog section committed as `Release v<version>` and tagged; the failure's message if git refuses. */
async function commitAndTag(flow: FlowContext, plan: ReleasePlan): Promise<string | undefined> {
  const { git } = flow;
  writeFileSync(changelogFile(flow.root), plan.changelog);
  await git('add', '--', 'CHANGELOG.md');
  const commit = await git('commit', '-q', '-m', `Release ${plan.tag}`);
  if (commit.exitCode !== 0) return `git commit failed:\n${commit.output}`;
  const tagged = await git('tag', '-a', plan.tag, '-m', `Release ${plan.tag}`);
  if (tagged.exitCode !== 0) return `git tag failed:\n${tagged.output}`;
  return undefined;
}

/** Every package published (the registries decide what is missing), logged beside the notes; the notes list what reached them. */
async function publishEverything(
  flow: FlowContext,
  options: ReleaseOptions,
  plan: ReleasePlan,
): Promise<{ ok: boolean; notes: string }> {
  const log = join(flow.root, notesDirOf(options), `publish-${plan.tag}.jsonl`);
  mkdirSync(dirname(log), { recursive: true });
  writeFileSync(log, '');
  const published = await flow.run('npx', ['nx', 'run-many', '-t', 'publish'], { NX_POLYGLOT_PUBLISH_LOG: log });
  return { ok: published.exitCode === 0, notes: await renderNotes(flow, options, plan, log) };
}

/** The GitHub release when a token is set; otherwise where the notes are and how to make the release later. */
async function announce(flow: FlowContext, options: ReleaseOptions, plan: ReleasePlan): Promise<StepResult> {
  const { tag, version, notesPath, github } = plan;
  if (!github.create) {
    flow.log.say(laterMessage(flow, options, plan, github.why));
    return { success: true };
  }
  flow.log.say(`Release notes: ${notesPath}`);
  if (!(await createOnGithub(flow, github, version, plan.notesFile)))
    return flow.log.fail(
      `release: ${tag} is tagged and published, but its GitHub release was not created (see above). Retry with \`${rerunCommand(flow, 'github-release', version)}\`.`,
    );
  return { success: true };
}

function laterMessage(flow: FlowContext, options: ReleaseOptions, plan: ReleasePlan, why: string): string {
  const gh = `\`gh release create ${plan.tag} -F ${plan.notesPath}\``;
  return (
    `Release notes: ${plan.notesPath} (no GitHub release: ${why}). Create it from them later: ` +
    (options.createRelease === false
      ? `${gh}.`
      : `with GITHUB_TOKEN or GH_TOKEN set, \`${rerunCommand(flow, 'github-release', plan.version)}\` (through nx release), or ${gh}.`)
  );
}
