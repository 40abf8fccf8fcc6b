import type { ExecutorContext } from '@nx/devkit';
import { createFlowContext, FlowContext, StepResult } from '../release/flow/context';
import { githubRelease } from '../release/flow/github-release';
import type { ReleaseFlowOptions } from '../release/flow/options';
import { postRelease } from '../release/flow/post-release';
import { releaseVersionOnDisk } from '../release/flow/release';
import { takeReleaseLock } from '../release/flow/release-lock';
import { rollback, yankTargetsOf } from '../release/flow/rollback';
import bump from './bump';

export type { ReleaseFlowOptions } from '../release/flow/options';

/**
 * The seed release plan as steps on top of the targets: `release` (version
 * check, CI checks, changelog section, commit + tag, publish, release notes,
 * and the GitHub release through nx release when a token is set),
 * `post-release` (lockstep bump, `## [Unreleased]`, commit), `rollback`
 * (yank every crate of a version; what remains is printed) and
 * `github-release` (the GitHub release of a released version, from its notes
 * file). Every step takes --dry-run: it prints what it would do and changes
 * nothing, and sends nothing to GitHub. The steps live in release/flow/.
 * A step that changes something holds the workspace's release lock
 * (release-lock.ts): a second one at the same time refuses, naming the first.
 */
export default async function releaseFlow(options: ReleaseFlowOptions, context: ExecutorContext): Promise<StepResult> {
  const flow = createFlowContext(context, options.step, options.dryRun ?? false);
  if ('refused' in flow) return flow.refused;
  // a dry run changes nothing: it needs no lock, and never waits for one
  if (flow.dryRun) return runStep(options, context, flow);
  const step = options.step ?? 'release';
  const lock = takeReleaseLock(flow.root, step === 'release' ? `release of v${flow.version}` : step, flow.log.say);
  if ('refusal' in lock) return flow.log.fail(`${step}: ${lock.refusal}`);
  try {
    return await runStep(options, context, flow);
  } finally {
    lock.release();
  }
}

function runStep(options: ReleaseFlowOptions, context: ExecutorContext, flow: FlowContext): Promise<StepResult> {
  switch (options.step) {
    case 'rollback':
      return rollback(flow, options, yankTargetsOf(context.projectGraph));
    case 'post-release':
      return postRelease(flow, options, (to, dryRun) => bump({ to, dryRun }, context));
    case 'github-release':
      return githubRelease(flow, options);
    default:
      return releaseVersionOnDisk(flow, options);
  }
}
