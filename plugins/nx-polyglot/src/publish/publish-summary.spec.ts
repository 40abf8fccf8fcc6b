import { describe, expect, it } from 'vitest';
import type { PublishRecord } from './publish-log';
import { publishSummary, publishedSoFar } from './publish-summary';

const record = (over: Partial<PublishRecord>): PublishRecord => ({
  project: 'micromegas-transit',
  name: 'micromegas-transit',
  version: '0.12.0',
  ecosystem: 'cargo',
  registry: 'local',
  status: 'published',
  seconds: 1.25,
  ...over,
});

describe('publishSummary', () => {
  it('keeps the last word on each package, says why a package failed, and counts', () => {
    const { text, failed } = publishSummary(
      [
        record({ status: 'failed', detail: 'registry down' }),
        record({ status: 'published' }),
        record({
          project: 'micromegas',
          name: 'micromegas',
          status: 'failed',
          detail: 'cargo publish exited with 101',
        }),
        record({
          project: 'python-micromegas',
          name: 'micromegas',
          ecosystem: 'python',
          status: 'skipped',
          detail: 'already published',
        }),
      ],
      { CARGO_REGISTRIES_LOCAL_INDEX: 'sparse+http://127.0.0.1:8000/api/v1/crates/' },
    );
    const rows = text.split('\n').slice(2, 5);
    expect(rows.map((r) => r.split(/\s{2,}/))).toEqual([
      ['micromegas-transit', '0.12.0', 'http://127.0.0.1:8000/api/v1/crates/', 'published', '1.3'],
      ['micromegas', '0.12.0', 'http://127.0.0.1:8000/api/v1/crates/', 'failed (cargo publish exited with 101)', '1.3'],
      ['python-micromegas', '0.12.0', 'local', 'skipped', '1.3'],
    ]);
    expect(text).toMatch(/1 published, 1 skipped, 1 failed$/);
    expect(failed).toBe(1);
  });
});

describe('publishedSoFar', () => {
  it('says what the run got into its registries, the last word on each package winning, the failing one left out', () => {
    const records = [
      record({ name: 'a', status: 'failed', detail: 'registry down' }),
      record({ name: 'a', status: 'published' }),
      record({ name: 'b', status: 'skipped' }),
      record({ name: 'c', status: 'failed' }),
      record({ name: 'd', status: 'failed' }),
      record({ name: 'micromegas', ecosystem: 'python', status: 'published' }),
    ];
    expect(publishedSoFar(records, { ecosystem: 'cargo', name: 'd' })).toBe(
      'So far in this run: 2 published (a@0.12.0, micromegas@0.12.0), 1 already there, 1 other(s) failed (c@0.12.0).',
    );
    expect(publishedSoFar([])).toBe('Nothing else was published in this run so far.');
  });
});
