import { describe, expect, it } from 'vitest';
import { formatDuration, formatFrequency, formatTimestamp } from './format.ts';

describe('formatTimestamp', () => {
  it('formats in UTC regardless of the input offset', () => {
    expect(formatTimestamp('2025-11-20T14:03:12Z')).toBe('2025-11-20 14:03:12 UTC');
    expect(formatTimestamp('2025-11-20T16:03:12+02:00')).toBe('2025-11-20 14:03:12 UTC');
    expect(formatTimestamp(new Date(Date.UTC(2025, 0, 2, 3, 4, 5)))).toBe(
      '2025-01-02 03:04:05 UTC',
    );
  });

  it('renders a dash for invalid input', () => {
    expect(formatTimestamp('not a date')).toBe('—');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [999, '0s'],
    [45_000, '45s'],
    [185_000, '3m 05s'],
    [7_620_000, '2h 07m'],
    [273_600_000, '3d 4h'],
  ])('%d ms -> %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('renders a dash for %d', (ms) => {
    expect(formatDuration(ms)).toBe('—');
  });
});

describe('formatFrequency', () => {
  it.each([
    [2_650_000_000, '2.65 GHz'],
    [10_000_000, '10.00 MHz'],
    [32_768, '32.77 kHz'],
    [500, '500 Hz'],
    [0, '—'],
  ])('%d Hz -> %s', (hz, expected) => {
    expect(formatFrequency(hz)).toBe(expected);
  });
});
