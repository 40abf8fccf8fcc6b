import { describe, expect, it } from 'vitest';
import rawSample from '../data/processes.sample.json';
import {
  DEFAULT_SORT,
  SampleFormatError,
  exeName,
  filterProcesses,
  isActiveInRange,
  nextSort,
  parseProcessSample,
  processLifetimeMs,
  sortProcesses,
  type ProcessInfo,
} from './processes.ts';
import { resolveTimeRange } from './time-range.ts';

function makeProcess(overrides: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    process_id: 'p-1',
    exe: '/usr/bin/app',
    username: 'alice',
    realname: 'Alice',
    computer: 'host-a',
    distro: 'Linux',
    cpu_brand: 'CPU',
    tsc_frequency: 1_000_000_000,
    start_time: '2025-11-20T10:00:00Z',
    last_update_time: '2025-11-20T12:00:00Z',
    parent_process_id: null,
    properties: {},
    ...overrides,
  };
}

const sample = parseProcessSample(rawSample);
const NOW = new Date(sample.generated_at);

function idsInLast(from: string): string[] {
  const range = resolveTimeRange({ from, to: 'now' }, NOW);
  if (!range.ok) throw new Error(range.error);
  return filterProcesses(sample.processes, { search: '', begin: range.begin, end: range.end })
    .map((p) => p.process_id.slice(-2))
    .sort();
}

describe('parseProcessSample', () => {
  it('accepts the bundled sample', () => {
    expect(sample.generated_at).toBe('2025-11-20T15:00:00Z');
    expect(sample.processes).toHaveLength(9);
    const crashReporter = sample.processes.find((p) => p.exe.endsWith('CrashReporter.exe'));
    expect(crashReporter?.parent_process_id).toBe('6e1f8a3b-2c9d-4e7a-b5f6-0a1b2c3d4e04');
  });

  it('normalises a missing or empty parent and missing properties', () => {
    const { processes } = parseProcessSample({
      generated_at: '2025-11-20T15:00:00Z',
      processes: [
        { ...makeProcess({ process_id: 'a' }), parent_process_id: '' },
        {
          ...makeProcess({ process_id: 'b' }),
          parent_process_id: undefined,
          properties: undefined,
        },
      ],
    });
    expect(processes.map((p) => p.parent_process_id)).toEqual([null, null]);
    expect(processes[1]?.properties).toEqual({});
  });

  it.each([
    [null, 'sample must be an object'],
    [{ processes: [] }, 'generated_at must be a valid timestamp'],
    [{ generated_at: '2025-11-20T15:00:00Z' }, 'processes must be an array'],
    [{ generated_at: '2025-11-20T15:00:00Z', processes: [42] }, 'processes[0] is not an object'],
    [
      { generated_at: '2025-11-20T15:00:00Z', processes: [{ ...makeProcess(), exe: 1 }] },
      'processes[0].exe must be a string',
    ],
    [
      {
        generated_at: '2025-11-20T15:00:00Z',
        processes: [{ ...makeProcess(), tsc_frequency: '1GHz' }],
      },
      'processes[0].tsc_frequency must be a finite number',
    ],
    [
      {
        generated_at: '2025-11-20T15:00:00Z',
        processes: [makeProcess({ start_time: 'yesterday' })],
      },
      'processes[0].start_time is not a valid timestamp',
    ],
    [
      {
        generated_at: '2025-11-20T15:00:00Z',
        processes: [{ ...makeProcess(), properties: { pid: 12 } }],
      },
      'processes[0].properties.pid must be a string',
    ],
    [
      { generated_at: '2025-11-20T15:00:00Z', processes: [makeProcess(), makeProcess()] },
      'duplicate process_id p-1',
    ],
  ])('rejects malformed input (%#)', (input, message) => {
    expect(() => parseProcessSample(input)).toThrow(new SampleFormatError(message));
  });
});

describe('exeName', () => {
  it.each([
    ['/usr/local/bin/flight-sql-srv', 'flight-sql-srv'],
    ['C:\\Games\\Starfall\\Starfall.exe', 'Starfall.exe'],
    ['python3', 'python3'],
    ['/weird/trailing/', '/weird/trailing/'],
  ])('%s -> %s', (exe, expected) => {
    expect(exeName(exe)).toBe(expected);
  });
});

describe('isActiveInRange', () => {
  const p = makeProcess();
  const at = (iso: string) => new Date(iso);

  it('includes overlapping and touching ranges', () => {
    expect(isActiveInRange(p, at('2025-11-20T11:00:00Z'), at('2025-11-20T11:30:00Z'))).toBe(true);
    expect(isActiveInRange(p, at('2025-11-20T09:00:00Z'), at('2025-11-20T10:00:00Z'))).toBe(true);
    expect(isActiveInRange(p, at('2025-11-20T12:00:00Z'), at('2025-11-20T13:00:00Z'))).toBe(true);
  });

  it('excludes disjoint ranges', () => {
    expect(isActiveInRange(p, at('2025-11-20T08:00:00Z'), at('2025-11-20T09:59:59Z'))).toBe(false);
    expect(isActiveInRange(p, at('2025-11-20T12:00:01Z'), at('2025-11-20T13:00:00Z'))).toBe(false);
  });
});

describe('filterProcesses on the sample', () => {
  it('narrows as the time range shrinks', () => {
    expect(idsInLast('now-15m')).toEqual(['01', '02', '03']);
    expect(idsInLast('now-1h')).toEqual(['01', '02', '03', '04', '05']);
    expect(idsInLast('now-6h')).toEqual(['01', '02', '03', '04', '05', '06']);
    expect(idsInLast('now-24h')).toEqual(['01', '02', '03', '04', '05', '06', '07']);
    expect(idsInLast('now-7d')).toEqual(['01', '02', '03', '04', '05', '06', '07', '08']);
    expect(idsInLast('now-30d')).toHaveLength(9);
  });

  it('searches case-insensitively across fields and properties', () => {
    const all = { begin: new Date(0), end: NOW };
    const search = (text: string) =>
      filterProcesses(sample.processes, { ...all, search: text }).map((p) => exeName(p.exe));
    expect(search('STARFALL')).toEqual(['Starfall.exe', 'CrashReporter.exe', 'UnrealEditor.exe']);
    expect(search('ingest-')).toEqual(['telemetry-ingestion-srv', 'telemetry-ingestion-srv']);
    expect(search('service=analytics')).toEqual(['flight-sql-srv']);
    expect(search('  asmith ')).toEqual(['UnrealEditor.exe']);
    expect(search('no-such-thing')).toEqual([]);
  });
});

describe('sortProcesses', () => {
  const a = makeProcess({ process_id: 'a', exe: '/bin/Zeta', start_time: '2025-11-20T09:00:00Z' });
  const b = makeProcess({
    process_id: 'b',
    exe: 'C:\\alpha.exe',
    start_time: '2025-11-20T11:00:00Z',
  });
  const c = makeProcess({ process_id: 'c', exe: '/opt/beta', start_time: '2025-11-20T10:00:00Z' });
  const ids = (list: ProcessInfo[]) => list.map((p) => p.process_id);

  it('sorts by executable name, ignoring directories and case', () => {
    expect(ids(sortProcesses([a, b, c], { key: 'exe', direction: 'asc' }))).toEqual([
      'b',
      'c',
      'a',
    ]);
    expect(ids(sortProcesses([a, b, c], { key: 'exe', direction: 'desc' }))).toEqual([
      'a',
      'c',
      'b',
    ]);
  });

  it('sorts by time chronologically', () => {
    expect(ids(sortProcesses([a, b, c], { key: 'start_time', direction: 'desc' }))).toEqual([
      'b',
      'c',
      'a',
    ]);
  });

  it('breaks ties by process id and does not mutate its input', () => {
    const input = [c, a, b];
    expect(ids(sortProcesses(input, { key: 'computer', direction: 'desc' }))).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(ids(input)).toEqual(['c', 'a', 'b']);
  });
});

describe('nextSort', () => {
  it('toggles the direction of the current column', () => {
    expect(nextSort(DEFAULT_SORT, 'last_update_time')).toEqual({
      key: 'last_update_time',
      direction: 'asc',
    });
    expect(nextSort({ key: 'exe', direction: 'asc' }, 'exe')).toEqual({
      key: 'exe',
      direction: 'desc',
    });
  });

  it('starts text columns ascending and time columns descending', () => {
    expect(nextSort(DEFAULT_SORT, 'computer')).toEqual({ key: 'computer', direction: 'asc' });
    expect(nextSort({ key: 'exe', direction: 'asc' }, 'start_time')).toEqual({
      key: 'start_time',
      direction: 'desc',
    });
  });
});

describe('processLifetimeMs', () => {
  it('is the span between start and last update', () => {
    expect(processLifetimeMs(makeProcess())).toBe(2 * 3_600_000);
  });
});
