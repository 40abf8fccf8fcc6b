import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { readPublishLog } from '../../publish/publish-log';
import { ChangelogError, keepsUnreleased, releaseSection, sectionBody, sectionHeading } from '../changelog';
import { writeFileDurably } from '../durable-write';
import { lockMismatches } from '../lock-consistency';
import { versionMismatches } from '../version-consistency';
import { changelogFile, FlowContext, readChangelog, StepResult } from './context';
import type { GithubPlan } from './github-plan';
import { createOnGithub, GithubOptions, planGithub, rerunCommand } from './github-release';
import {
  clearReleaseRecord,
  readReleaseRecord,
  releaseRecordFile,
  Resume,
  resumeOf,
  writeReleaseRecord,
} from './interrupted-release';
import { crateTargetsOf, notesDirOf, notesFileOf, notesFromPublishLog } from './notes';

export type ReleaseOptions = GithubOptions & { product?: string };

/** What the release of the version on disk will write, decided before it changes anything. */
interface ReleasePlan {
  version: string;
  tag: string;
  date: string;
  /** CHANGELOG.md with the unreleased entries rolled into the release's section, in the file's style */
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
 *
 * A release interrupted after the checks (killed, a registry down, GitHub
 * refusing) left its record (interrupted-release.ts): the same command then
 * finishes it, doing only what git and the registries show is not done yet
 * (the commit, the tag, each upload; Nx updates a GitHub release that exists
 * rather than creating a second). The caller holds the release lock.
 */
export async function releaseVersionOnDisk(flow: FlowContext, options: ReleaseOptions): Promise<StepResult> {
  const resumed = flow.dryRun ? undefined : await interruptedRelease(flow);
  if (resumed && 'refusal' in resumed) return flow.log.fail(`release: ${resumed.refusal} Nothing was done.`);
  const resume = resumed?.resume;
  const refusal = await refusalBeforeRelease(flow, resume);
  if (refusal) return flow.log.fail(`release: ${refusal} Nothing was done.`);
  const plan = await planRelease(flow, options, resume);
  if ('error' in plan) return flow.log.fail(`release: ${plan.error} Nothing was done.`);
  if (flow.dryRun) return previewRelease(flow, options, plan);

  if (resume) {
    const { record, found } = resume;
    flow.log.say(
      `release: finishing ${plan.tag}, interrupted (begun ${record.since} by pid ${record.pid}): found ${found.join('; ')}. ` +
        'Its CI checks passed before it began; what is done is not done again.',
    );
  } else {
    const checks = await flow.run('npx', ['nx', 'run-many', '-t', 'test', 'lint', 'format']);
    if (checks.exitCode !== 0)
      return flow.log.fail('release: the CI checks failed; nothing was committed, tagged or published.');
    const base = (await flow.git('rev-parse', 'HEAD')).output.trim();
    writeReleaseRecord(flow.root, {
      version: plan.version,
      tag: plan.tag,
      base,
      date: plan.date,
      since: new Date().toISOString(),
      pid: process.pid,
    });
  }
  const committed = await commitAndTag(flow, plan, resume);
  if (committed) return flow.log.fail(`release: ${committed}\n${finishHint(flow, plan.tag)}`);
  const published = await publishEverything(flow, options, plan);
  // written in every case: the record of the release, and the body to retry with
  writeFileSync(plan.notesFile, published.notes);
  if (!published.ok) {
    flow.log.say(
      `Release notes: ${plan.notesPath}, listing what was published; no GitHub release while packages are missing.`,
    );
    return flow.log.fail(
      `release: publishing failed part-way; the registries are the source of truth. ${finishHint(flow, plan.tag)}`,
    );
  }
  const announced = await announce(flow, options, plan);
  if (announced.success) clearReleaseRecord(flow.root);
  return announced;
}

/** What to run after a release stopped part-way: the same step, which finishes it. */
function finishHint(flow: FlowContext, tag: string): string {
  return `Run \`npx nx run ${flow.target}\` again to finish ${tag}: it uploads only what the registries lack and does nothing twice.`;
}

/** The release this one finishes, if one was interrupted; a refusal when it cannot be finished from here. */
async function interruptedRelease(flow: FlowContext): Promise<{ resume: Resume } | { refusal: string } | undefined> {
  const record = readReleaseRecord(flow.root);
  if (!record) return undefined;
  if (record.version !== flow.version)
    return {
      refusal: `the release of ${record.tag} (begun ${record.since}) did not finish, and the manifests now say ${flow.version}. Put them back at ${record.version} and run this again to finish it, or remove ${relative(flow.root, releaseRecordFile(flow.root))} to give it up.`,
    };
  return resumeOf(flow, record);
}

/**
 * Why the version on disk cannot be released now, if it cannot: the manifests disagree, the tree is dirty, the tag
 * exists (an interrupted release being finished has checked its tree and tag itself).
 */
async function refusalBeforeRelease(flow: FlowContext, resume: Resume | undefined): Promise<string | undefined> {
  const { version, git } = flow;
  const mismatches = [...versionMismatches(flow.manifests, version), ...lockMismatches(flow.manifests, flow.root)];
  if (mismatches.length)
    return `the manifests and lock files do not agree on ${version}; run the version-check target.`;
  if (resume) return undefined;
  // a dry run changes nothing, so it may preview a tree with edits in progress
  if (!flow.dryRun && (await git('status', '--porcelain')).output.trim() !== '')
    return 'the work tree has uncommitted changes; commit or stash them first.';
  if ((await git('tag', '--list', `v${version}`)).output.trim() !== '')
    return `the tag v${version} already exists; ${version} was released. Run post-release to bump.`;
  return undefined;
}

/** The changelog section, the notes file and where the GitHub release goes (a token with nowhere to send it is an error). */
async function planRelease(
  flow: FlowContext,
  options: ReleaseOptions,
  resume: Resume | undefined,
): Promise<ReleasePlan | { error: string }> {
  const { version, root } = flow;
  const tag = `v${version}`;
  const github = await planGithub(flow, options, tag);
  if ('error' in github) return github;
  // a finished release commit has its section already; an unfinished one writes the same section again
  const date = resume?.record.date ?? new Date().toISOString().slice(0, 10);
  const notesFile = notesFileOf(root, options, tag);
  let changelog: string;
  try {
    changelog = resume?.committed ? readChangelog(root) : await rollChangelog(flow, version, date);
  } catch (e) {
    if (e instanceof ChangelogError) return { error: e.message };
    throw e;
  }
  return {
    version,
    tag,
    date,
    changelog,
    notesFile,
    notesPath: relative(root, notesFile),
    github,
  };
}

/**
 * CHANGELOG.md rolled for the release, keeping an empty unreleased heading when the file had one at the previous
 * release's tag (the file's history says whether it keeps one).
 */
async function rollChangelog(flow: FlowContext, version: string, date: string): Promise<string> {
  const previousTag = await flow.git('describe', '--tags', '--abbrev=0', '--match', 'v*', 'HEAD');
  const before =
    previousTag.exitCode === 0 ? await flow.git('show', `${previousTag.output.trim()}:CHANGELOG.md`) : undefined;
  const history = before?.exitCode === 0 ? before.output : undefined;
  return releaseSection(readChangelog(flow.root), version, date, { keepUnreleased: keepsUnreleased(history) });
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
  return notesFromPublishLog(
    readPublishLog(publishLog),
    {
      product: options.product,
      version: plan.version,
      date: plan.date,
      whatsNew: sectionBody(plan.changelog, plan.version),
      repository: plan.github.repository,
      previousTag: previous.exitCode === 0 ? previous.output.trim() : undefined,
    },
    process.env,
    crateTargetsOf(flow.manifests),
  );
}

/** The dry run: what would be committed and tagged, the publish plan, and the notes the planned packages make. */
async function previewRelease(flow: FlowContext, options: ReleaseOptions, plan: ReleasePlan): Promise<StepResult> {
  const { say } = flow.log;
  const { tag, version, date, github } = plan;
  say(
    `Release ${tag} (dry run: no commit, no tag, no upload):\n  CHANGELOG.md gets "${sectionHeading(plan.changelog, version) ?? `${version} - ${date}`}"\n  commit "Release ${tag}", tag ${tag}`,
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

/**
 * The changelog section committed as `Release v<version>` and tagged, each unless an interrupted release did it
 * already; the failure's message if git refuses. The section is written whole or not at all (a kill mid-write
 * leaves the old file and a temporary file the resume removes).
 */
async function commitAndTag(
  flow: FlowContext,
  plan: ReleasePlan,
  resume: Resume | undefined,
): Promise<string | undefined> {
  const { git } = flow;
  if (!resume?.committed) {
    writeFileDurably(changelogFile(flow.root), plan.changelog);
    await git('add', '--', 'CHANGELOG.md');
    const commit = await git('commit', '-q', '-m', `Release ${plan.tag}`);
    if (commit.exitCode !== 0) return `git commit failed:\n${commit.output}`;
  }
  if (resume?.tagged) return undefined;
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
