import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TIME_RANGE,
  TIME_RANGE_PRESETS,
  describeTimeRange,
  findPreset,
  parseDurationMs,
  parseTimeExpression,
  resolveTimeRange,
  timeRangeFromSearchParams,
  timeRangeToSearchParams,
} from './time-range.ts';

const NOW = new Date('2025-11-20T15:00:00Z');

describe('parseDurationMs', () => {
  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['6h', 21_600_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    [' 1h ', 3_600_000],
  ])('parses %j', (text, expected) => {
    expect(parseDurationMs(text)).toBe(expected);
  });

  it.each(['', 'h', '1.5h', '-1h', '1y', '1 h', 'abc'])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toBeNull();
  });
});

describe('parseTimeExpression', () => {
  it('resolves now and now-offset against the reference instant', () => {
    expect(parseTimeExpression('now', NOW)?.toISOString()).toBe('2025-11-20T15:00:00.000Z');
    expect(parseTimeExpression('now-1h', NOW)?.toISOString()).toBe('2025-11-20T14:00:00.000Z');
    expect(parseTimeExpression('now-7d', NOW)?.toISOString()).toBe('2025-11-13T15:00:00.000Z');
  });

  it('accepts ISO timestamps with an explicit offset', () => {
    expect(parseTimeExpression('2025-11-20T14:03:12Z', NOW)?.toISOString()).toBe(
      '2025-11-20T14:03:12.000Z',
    );
    expect(parseTimeExpression('2025-11-20T16:00+02:00', NOW)?.toISOString()).toBe(
      '2025-11-20T14:00:00.000Z',
    );
    expect(parseTimeExpression('2025-11-20T14:03:12.250Z', NOW)?.toISOString()).toBe(
      '2025-11-20T14:03:12.250Z',
    );
  });

  it.each([
    'now+1h',
    'now-',
    'yesterday',
    '2025-11-20',
    '2025-11-20T14:00:00',
    '2025-13-40T99:00:00Z',
  ])('rejects %j', (expr) => {
    expect(parseTimeExpression(expr, NOW)).toBeNull();
  });
});

describe('resolveTimeRange', () => {
  it('resolves a relative range', () => {
    const resolved = resolveTimeRange({ from: 'now-24h', to: 'now' }, NOW);
    expect(resolved).toEqual({
      ok: true,
      begin: new Date('2025-11-19T15:00:00Z'),
      end: NOW,
    });
  });

  it('resolves a mixed absolute / relative range', () => {
    const resolved = resolveTimeRange({ from: '2025-11-20T00:00:00Z', to: 'now-1h' }, NOW);
    expect(resolved).toEqual({
      ok: true,
      begin: new Date('2025-11-20T00:00:00Z'),
      end: new Date('2025-11-20T14:00:00Z'),
    });
  });

  it('reports which bound is invalid', () => {
    expect(resolveTimeRange({ from: 'later', to: 'now' }, NOW)).toEqual({
      ok: false,
      error: 'Invalid start time: "later"',
    });
    expect(resolveTimeRange({ from: 'now-1h', to: 'soon' }, NOW)).toEqual({
      ok: false,
      error: 'Invalid end time: "soon"',
    });
  });

  it('rejects empty and reversed ranges', () => {
    const reversed = resolveTimeRange({ from: 'now', to: 'now-1h' }, NOW);
    expect(reversed).toEqual({ ok: false, error: 'Start time must be before end time' });
    expect(resolveTimeRange({ from: 'now', to: 'now' }, NOW).ok).toBe(false);
  });
});

describe('presets', () => {
  it('have unique ids and all resolve to a positive span', () => {
    const ids = TIME_RANGE_PRESETS.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const preset of TIME_RANGE_PRESETS) {
      expect(resolveTimeRange(preset, NOW).ok).toBe(true);
    }
  });

  it('the default range is a preset', () => {
    expect(findPreset(DEFAULT_TIME_RANGE)?.id).toBe('24h');
  });

  it('describes preset and custom ranges', () => {
    expect(describeTimeRange({ from: 'now-1h', to: 'now' })).toBe('Last hour');
    expect(describeTimeRange({ from: ' now-15m ', to: 'now' })).toBe('Last 15 minutes');
    expect(describeTimeRange({ from: 'now-2h', to: 'now-1h' })).toBe('now-2h → now-1h');
  });
});

describe('URL search params', () => {
  it('round-trips a range and keeps unrelated parameters', () => {
    const base = new URLSearchParams('process=abc&from=now-1h&to=now');
    const params = timeRangeToSearchParams({ from: '2025-11-20T00:00:00Z', to: 'now' }, base);
    expect(params.toString()).toBe('process=abc&from=2025-11-20T00%3A00%3A00Z&to=now');
    expect(timeRangeFromSearchParams(params)).toEqual({ from: '2025-11-20T00:00:00Z', to: 'now' });
    // The input is not mutated.
    expect(base.get('from')).toBe('now-1h');
  });

  it('falls back when a bound is missing or blank', () => {
    expect(timeRangeFromSearchParams(new URLSearchParams('from=now-1h'))).toEqual(
      DEFAULT_TIME_RANGE,
    );
    expect(
      timeRangeFromSearchParams(new URLSearchParams('from=&to=now'), { from: 'now-6h', to: 'now' }),
    ).toEqual({ from: 'now-6h', to: 'now' });
  });
});
