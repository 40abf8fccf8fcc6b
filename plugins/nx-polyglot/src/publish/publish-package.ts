import { credentialDetail } from './publish-credentials';
import { publishLockFile, withPublishLock } from './publish-lock';
import { PUBLISH_LOG_ENV, PublishRecord, readPublishLog, recordPublish } from './publish-log';
import { publishedSoFar } from './publish-summary';
import type { RegistryClient } from './registry-client';
import { RegistryError } from './registry-error';
import { redact } from '../known-secrets';

/**
 * The life of one package publish, the same for every ecosystem: already in
 * the registry → skipped; dry run → planned; the run's credentials; under the
 * package's lock the registry again, then the upload; a failed upload asks
 * the registry again (another run, or an "already exists"); the wait until
 * the registry shows it; one publish-log record at the end. The registry is
 * the source of truth, so a rerun after any failure uploads what is missing.
 * The ecosystem gives its registry client and its upload; the executors keep
 * only their preflight checks and their upload command.
 */

/** Which package, as the publish log names it. */
export type PublishIdentity = Pick<PublishRecord, 'project' | 'name' | 'version' | 'ecosystem' | 'registry'>;

/** What the registry already has of the version (a Python release is several files). */
export interface Presence {
  complete: boolean;
  files?: string[];
}

/** How an upload ended. `output` is the tool's output when the caller collects it (cargo), prefixed to the message. */
export type UploadOutcome =
  | {
      status: 'uploaded';
      output?: string;
      uploadStart: number;
      /** Waits until the registry shows the upload (default: the client's wait for the version). */
      visible?: () => Promise<number>;
      message: string;
    }
  /** Nothing left to upload: the registry has every file the build made. */
  | { status: 'there'; output?: string; files?: string[] }
  | {
      status: 'failed';
      output?: string;
      detail: string;
      signal?: string;
      message: string;
      /** Asked after the failure: true when the version is there after all (raced, "already exists"). */
      mayBeThere?: () => Promise<boolean>;
    };

export interface PackagePublish {
  id: PublishIdentity;
  /** `demo@0.1.0`, `micromegas 0.12.0`: how messages name the package version. */
  label: string;
  /** How messages name the registry: "`local`" or its URL. */
  where: string;
  client: RegistryClient;
  /** The Nx workspace root: the publish locks live there. */
  root: string;
  dryRun?: boolean;
  visibilityTimeoutMs: number;
  /** What the registry has; default: the client's has(). */
  presence?: () => Promise<Presence>;
  /** The dry run's line (and the record's detail). */
  planned: (p: Presence) => { message: string; detail?: string };
  /** The ecosystem's own refusal before any upload (e.g. twine without credentials). */
  preflight?: () => { detail: string; message: string } | undefined;
  /** Every registry of the run accepts its credentials (publish-credentials), or the message saying which does not. */
  checkCredentials: () => Promise<string | undefined>;
  upload: (p: Presence) => Promise<UploadOutcome>;
}

export interface PublishResult {
  success: boolean;
  /** What to show for this package (the tool's collected output, then the outcome). */
  output: string;
}

type Ending = Omit<PublishRecord, keyof PublishIdentity | 'seconds'>;

/** What this process recorded, for "so far" when the run keeps no publish log (Nx runs a Cargo batch in one process). */
const thisProcess: PublishRecord[] = [];

function record(r: PublishRecord): void {
  thisProcess.push(r);
  recordPublish(r);
}

/**
 * The message of a package whose registry stopped answering within the
 * bounds: the registry's own words, what became of this package, what the
 * run published so far (the publish log holds every task's; without one,
 * this process's), and what to do.
 */
function outageMessage(e: RegistryError, job: PackagePublish, stage: 'before' | 'uploaded' | 'unknown'): string {
  const file = process.env[PUBLISH_LOG_ENV];
  const records = file ? readPublishLog(file) : thisProcess;
  const fate = {
    before: `${job.label} was not published.`,
    uploaded: `${job.label} was uploaded but not seen in the registry yet.`,
    unknown: `${job.label} may or may not have been stored (its upload failed and the registry could not be asked).`,
  }[stage];
  const registry = e.registry ? `\`${e.registry}\`` : (e.url ?? job.where);
  return [
    e.message,
    `${fate} ${publishedSoFar(records, job.id)}`,
    `Rerun \`nx run-many -t publish\` once ${registry} answers; already published packages are skipped.`,
    '',
  ].join('\n');
}

/** Records a package that failed before its registry could be asked (no repository, no version). */
export function failedBeforeStart(id: PublishIdentity, detail: string, message: string): PublishResult {
  record({ ...id, status: 'failed', detail, seconds: 0 });
  return { success: false, output: message };
}

/** A registry error's first sentence (what failed, where), for a line of its own. */
function firstSentence(message: string): string {
  return message.split('\n')[0].replace(/\. .*$|\.$/, '');
}

export async function publishPackage(job: PackagePublish): Promise<PublishResult> {
  const started = Date.now();
  const done = (ending: Ending, success: boolean, output: string): PublishResult => {
    record({ ...job.id, ...ending, seconds: (Date.now() - started) / 1000 });
    return { success, output };
  };
  const presence =
    job.presence ?? (async (): Promise<Presence> => ({ complete: await job.client.has(job.id.name, job.id.version) }));
  const skipped = (files: string[] | undefined, output = '', why = '') =>
    done(
      { status: 'skipped', detail: 'already published' },
      true,
      `${output}${job.label} is already in ${job.where}${why}${files?.length ? ` (${files.join(', ')})` : ''}: skipped\n`,
    );

  // where a registry that stopped answering caught the publish: before its upload, or after it
  let stage: 'before' | 'uploaded' = 'before';
  try {
    let before: Presence;
    try {
      before = await presence();
    } catch (e) {
      // a dry run shows the plan even when no registry runs; whether it has this version is then unknown
      if (!job.dryRun || !(e instanceof RegistryError)) throw e;
      const plan = job.planned({ complete: false });
      const why = firstSentence(e.message);
      return done(
        { status: 'planned', detail: `registry not reachable: ${why}` },
        true,
        `${plan.message.replace(/\n?$/, '')}; whether it is there already is unknown: ${why}\n`,
      );
    }
    if (before.complete) return skipped(before.files);
    if (job.dryRun) {
      const plan = job.planned(before);
      return done({ status: 'planned', ...(plan.detail ? { detail: plan.detail } : {}) }, true, plan.message);
    }
    const refused = job.preflight?.();
    if (refused) return done({ status: 'failed', detail: refused.detail }, false, refused.message);
    // every registry of the run accepts its credentials, or nothing of any ecosystem is uploaded
    const denied = await job.checkCredentials();
    if (denied) return done({ status: 'failed', detail: credentialDetail(denied) }, false, denied);
    // another publish run uploading this version right now: wait for it, then ask the registry again
    const lock = publishLockFile(job.root, job.id.ecosystem, job.client.url, job.id.name, job.id.version);
    const waiting = (holder: string) =>
      process.stdout.write(redact(`${job.label}: another publish run (${holder}) is uploading it; waiting for it\n`));
    return await withPublishLock(lock, waiting, async () => {
      const now = await presence();
      if (now.complete) return skipped(undefined, '', ' (another run published it meanwhile)');
      return ended(await job.upload(now));
    });
  } catch (e) {
    if (!(e instanceof RegistryError)) throw e;
    const output = e.boundHit ? outageMessage(e, job, stage) : `${e.message}\n`;
    return done({ status: 'failed', detail: e.message }, false, output);
  }

  async function ended(outcome: UploadOutcome): Promise<PublishResult> {
    const output = outcome.output ?? '';
    if (outcome.status === 'there') return skipped(outcome.files, output);
    if (outcome.status === 'failed') {
      let there: boolean;
      try {
        there = (await outcome.mayBeThere?.()) ?? false;
      } catch (e) {
        if (!(e instanceof RegistryError)) throw e;
        const said = e.boundHit ? outageMessage(e, job, 'unknown') : `${e.message}\n`;
        return done({ status: 'failed', detail: e.message }, false, `${output}${said}`);
      }
      if (there) return skipped(undefined, output);
      const signal = outcome.signal ? { signal: outcome.signal } : {};
      return done({ status: 'failed', detail: outcome.detail, ...signal }, false, `${output}${outcome.message}`);
    }
    stage = 'uploaded';
    const visibleAt = await (
      outcome.visible ?? (() => job.client.waitUntilVisible(job.id.name, job.id.version, job.visibilityTimeoutMs))
    )();
    return done(
      { status: 'published', uploadStart: outcome.uploadStart, visibleAt },
      true,
      `${output}${outcome.message}`,
    );
  }
}
