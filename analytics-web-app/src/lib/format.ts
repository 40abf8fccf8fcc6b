/**
 * Display formatting. All output is locale- and timezone-independent (UTC), so the
 * UI renders identically everywhere and tests are deterministic.
 */

function pad2(n: number): string {
  return n.toString().padStart(2, '0');
}

/** `2025-11-20 14:03:12 UTC`; returns `—` for an unparseable input. */
export function formatTimestamp(value: Date | string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) {
    return '—';
  }
  const iso = date.toISOString(); // always UTC: YYYY-MM-DDTHH:MM:SS.sssZ
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** Compact duration with at most two units: `45s`, `3m 05s`, `2h 07m`, `3d 4h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return '—';
  }
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  const seconds = totalSeconds % 60;
  if (days > 0) {
    return `${days}d ${hours}h`;
  }
  if (hours > 0) {
    return `${hours}h ${pad2(minutes)}m`;
  }
  if (minutes > 0) {
    return `${minutes}m ${pad2(seconds)}s`;
  }
  return `${seconds}s`;
}

/** Formats a frequency in Hz with an SI prefix: `2.59 GHz`, `10.00 MHz`. */
export function formatFrequency(hz: number): string {
  if (!Number.isFinite(hz) || hz <= 0) {
    return '—';
  }
  const units = [
    { scale: 1e9, suffix: 'GHz' },
    { scale: 1e6, suffix: 'MHz' },
    { scale: 1e3, suffix: 'kHz' },
  ];
  for (const { scale, suffix } of units) {
    if (hz >= scale) {
      return `${(hz / scale).toFixed(2)} ${suffix}`;
    }
  }
  return `${hz} Hz`;
}
