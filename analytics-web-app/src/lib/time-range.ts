/**
 * Time ranges in the Grafana / Micromegas style: each bound is either `now`,
 * `now-<amount><unit>` (relative to a reference instant) or an ISO 8601 timestamp.
 *
 * Everything here is pure: the reference instant (`now`) is always passed in, which
 * keeps the logic deterministic and testable.
 */

export interface TimeRange {
  from: string;
  to: string;
}

export interface TimeRangePreset extends TimeRange {
  id: string;
  label: string;
}

export type ResolvedTimeRange = { ok: true; begin: Date; end: Date } | { ok: false; error: string };

const UNIT_MS = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

type DurationUnit = keyof typeof UNIT_MS;

export const TIME_RANGE_PRESETS: readonly TimeRangePreset[] = [
  { id: '15m', label: 'Last 15 minutes', from: 'now-15m', to: 'now' },
  { id: '1h', label: 'Last hour', from: 'now-1h', to: 'now' },
  { id: '6h', label: 'Last 6 hours', from: 'now-6h', to: 'now' },
  { id: '24h', label: 'Last 24 hours', from: 'now-24h', to: 'now' },
  { id: '7d', label: 'Last 7 days', from: 'now-7d', to: 'now' },
  { id: '30d', label: 'Last 30 days', from: 'now-30d', to: 'now' },
];

export const DEFAULT_TIME_RANGE: TimeRange = { from: 'now-24h', to: 'now' };

const DURATION_RE = /^(\d+)([smhdw])$/;
const RELATIVE_RE = /^now(?:-(\d+[smhdw]))?$/;
// Full date-time with an explicit offset; date-only or offset-less strings are
// rejected because their meaning would depend on the viewer's timezone.
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Parses a duration such as `15m`, `6h` or `7d` into milliseconds. */
export function parseDurationMs(text: string): number | null {
  const match = DURATION_RE.exec(text.trim());
  if (!match) {
    return null;
  }
  const amount = Number(match[1]);
  const unit = match[2] as DurationUnit;
  return amount * UNIT_MS[unit];
}

/** Parses one bound of a time range (`now`, `now-1h`, or an ISO timestamp). */
export function parseTimeExpression(expr: string, now: Date): Date | null {
  const text = expr.trim();
  const relative = RELATIVE_RE.exec(text);
  if (relative) {
    const offset = relative[1] === undefined ? 0 : parseDurationMs(relative[1]);
    return offset === null ? null : new Date(now.getTime() - offset);
  }
  if (!ISO_RE.test(text)) {
    return null;
  }
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Turns a time range into absolute instants, validating both bounds and their order. */
export function resolveTimeRange(range: TimeRange, now: Date): ResolvedTimeRange {
  const begin = parseTimeExpression(range.from, now);
  if (begin === null) {
    return { ok: false, error: `Invalid start time: "${range.from}"` };
  }
  const end = parseTimeExpression(range.to, now);
  if (end === null) {
    return { ok: false, error: `Invalid end time: "${range.to}"` };
  }
  if (begin.getTime() >= end.getTime()) {
    return { ok: false, error: 'Start time must be before end time' };
  }
  return { ok: true, begin, end };
}

export function findPreset(range: TimeRange): TimeRangePreset | undefined {
  const from = range.from.trim();
  const to = range.to.trim();
  return TIME_RANGE_PRESETS.find((p) => p.from === from && p.to === to);
}

/** A short human label: the preset's name, or `from → to` for anything custom. */
export function describeTimeRange(range: TimeRange): string {
  return findPreset(range)?.label ?? `${range.from.trim()} → ${range.to.trim()}`;
}

/** Reads `from` / `to` from URL query parameters, falling back when either is absent. */
export function timeRangeFromSearchParams(
  params: URLSearchParams,
  fallback: TimeRange = DEFAULT_TIME_RANGE,
): TimeRange {
  const from = params.get('from');
  const to = params.get('to');
  if (from === null || to === null || from.trim() === '' || to.trim() === '') {
    return { ...fallback };
  }
  return { from: from.trim(), to: to.trim() };
}

/** Writes `from` / `to` into a copy of the given query parameters. */
export function timeRangeToSearchParams(
  range: TimeRange,
  base: URLSearchParams = new URLSearchParams(),
): URLSearchParams {
  const params = new URLSearchParams(base);
  params.set('from', range.from);
  params.set('to', range.to);
  return params;
}
