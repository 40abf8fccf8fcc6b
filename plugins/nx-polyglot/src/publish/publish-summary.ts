import { PublishRecord, readPublishLog } from './publish-log';
import { registryUrl } from './registry-pages';
import { redact } from '../known-secrets';

/**
 * The release summary from the publish log the publish executors append to
 * (NX_POLYGLOT_PUBLISH_LOG): one row per package, the last word on each
 * package winning (a rerun after a failure appends), every registry named
 * one way, by its URL.
 */
export function publishSummary(
  records: PublishRecord[],
  env: NodeJS.ProcessEnv = process.env,
): { text: string; failed: number } {
  const latest = new Map(records.map((r) => [`${r.ecosystem}:${r.name}`, r]));
  const rows = [...latest.values()].map((r) => [
    r.project,
    r.version,
    registryUrl(r, env),
    r.status + (r.detail && r.status !== 'skipped' ? ` (${r.detail})` : ''),
    r.seconds.toFixed(1),
  ]);
  const header = ['project', 'version', 'registry', 'result', 'seconds'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  const count = (status: string) => rows.filter((r) => r[3].startsWith(status)).length;
  const text = [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    '',
    `${count('published')} published, ${count('skipped')} skipped, ${count('failed')} failed`,
  ].join('\n');
  return { text, failed: count('failed') };
}

/**
 * What the run has got into its registries so far, in a sentence, for the
 * message of a package that failed because a registry stopped answering:
 * the user sees at once what a rerun has left to do. The last word on each
 * package wins, as in the summary; `except` (the failing package) is left
 * out, its own message says what became of it.
 */
export function publishedSoFar(records: PublishRecord[], except?: { ecosystem: string; name: string }): string {
  const key = (r: { ecosystem: string; name: string }) => `${r.ecosystem}:${r.name}`;
  const latest = [...new Map(records.map((r) => [key(r), r])).values()].filter(
    (r) => !except || key(r) !== key(except),
  );
  const named = (status: PublishRecord['status']) =>
    latest.filter((r) => r.status === status).map((r) => `${r.name}@${r.version}`);
  const published = named('published');
  const skipped = named('skipped');
  const failed = named('failed');
  if (latest.every((r) => r.status === 'planned')) return 'Nothing else was published in this run so far.';
  const list = (names: string[]) => (names.length ? ` (${names.join(', ')})` : '');
  return [
    `So far in this run: ${published.length} published${list(published)}`,
    `${skipped.length} already there`,
    `${failed.length} other(s) failed${list(failed)}.`,
  ].join(', ');
}

/** `nx-polyglot-publish-summary <log-file>`: prints the summary; fails when a package failed or nothing was logged. */
export function publishSummaryMain(argv: string[]): number {
  const records = readPublishLog(argv[0] ?? '');
  if (records.length === 0) {
    process.stderr.write('publish-summary: the publish log is empty: nothing was published or checked\n');
    return 1;
  }
  const { text, failed } = publishSummary(records);
  process.stdout.write(redact(`${text}\n`));
  return failed > 0 ? 1 : 0;
}
