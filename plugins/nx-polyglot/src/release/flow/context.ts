import type { ExecutorContext } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessResult, relayToStdout, runProcess } from '../../run-process';
import { recoverBeforeStarting } from '../bump-journal';
import { currentReleaseVersion, readReleaseManifests } from '../release-manifests';
import type { ReleaseManifests } from '../version-sites';
import { childColourEnv, useColour } from './colour';
import { redact } from '../../known-secrets';

export type StepResult = { success: boolean };

/** Where the flow's messages go: progress to stdout, refusals and failures to stderr. */
export interface FlowLog {
  say(line: string): void;
  /** Reports a failure and returns the failed step's result. */
  fail(line: string): StepResult;
}

/** What every step works with. */
export interface FlowContext {
  /** the workspace root */
  root: string;
  /** `project:target` of this flow, for the messages that say what to run next */
  target: string;
  /** the release group's manifests on disk, and their release version */
  manifests: ReleaseManifests;
  version: string;
  /** the release version on disk now, after a step changed it */
  versionOnDisk(): string | undefined;
  log: FlowLog;
  /** A command shown and streamed as it runs, in the workspace root; colour as the flow's own output. */
  run(file: string, args: string[], env?: Record<string, string>): Promise<ProcessResult>;
  /** git in the workspace root, its output captured. */
  git(...args: string[]): Promise<ProcessResult>;
  dryRun: boolean;
}

/**
 * The one place the flow reads the release group's manifests: the release
 * group's loader (loadReleaseManifests) over the disk, as version-check and
 * bump read them.
 */
function loadManifests(context: ExecutorContext): { manifests: ReleaseManifests; version: string | undefined } {
  const manifests = readReleaseManifests(context);
  return { manifests, version: currentReleaseVersion(manifests) };
}

export function consoleLog(): FlowLog {
  return {
    say: (line) => void process.stdout.write(redact(`${line}\n`)),
    fail: (line) => (process.stderr.write(redact(`${line}\n`)), { success: false }),
  };
}

/**
 * The context of one step, or the refusal that stops it before it looks at
 * anything: a bump killed half-way is rolled back (or reported) first, and a
 * release group without a version has nothing to release.
 */
export function createFlowContext(
  context: ExecutorContext,
  step: string,
  dryRun: boolean,
  log: FlowLog = consoleLog(),
): FlowContext | { refused: StepResult } {
  const blocked = recoverBeforeStarting(context.root, log.say, step);
  if (blocked) return { refused: log.fail(blocked) };
  const { manifests, version } = loadManifests(context);
  if (!version) return { refused: log.fail('release: the release group has no version.') };
  const root = context.root;
  const colour = childColourEnv(useColour(process.env, process.stdout.isTTY === true));
  return {
    root,
    target: `${context.projectName}:${context.targetName}`,
    manifests,
    version,
    versionOnDisk: () => loadManifests(context).version,
    log,
    run: (file, args, env) => {
      log.say(`$ ${[file, ...args].join(' ')}`);
      return runProcess(file, args, {
        cwd: root,
        env: { ...process.env, ...colour, ...env },
        onOutput: relayToStdout,
      });
    },
    git: (...args) => runProcess('git', args, { cwd: root }),
    dryRun,
  };
}

/** The Keep a Changelog file the release and post-release steps edit. */
export function changelogFile(root: string): string {
  return join(root, 'CHANGELOG.md');
}

export function readChangelog(root: string): string {
  const file = changelogFile(root);
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}
