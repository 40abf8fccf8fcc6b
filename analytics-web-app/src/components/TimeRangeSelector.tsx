import { useId, useState, type FormEvent } from 'react';
import { formatTimestamp } from '../lib/format.ts';
import {
  TIME_RANGE_PRESETS,
  findPreset,
  resolveTimeRange,
  type TimeRange,
} from '../lib/time-range.ts';

const CUSTOM = 'custom';

export interface TimeRangeSelectorProps {
  value: TimeRange;
  /** Reference instant used to resolve relative bounds such as `now-1h`. */
  now: Date;
  onChange: (range: TimeRange) => void;
}

export function TimeRangeSelector({ value, now, onChange }: TimeRangeSelectorProps) {
  const id = useId();
  const preset = findPreset(value);
  const [editing, setEditing] = useState(preset === undefined);
  const [draft, setDraft] = useState<TimeRange>(value);
  const [error, setError] = useState<string | null>(null);

  const resolved = resolveTimeRange(value, now);
  const selected = editing ? CUSTOM : (preset?.id ?? CUSTOM);

  function handleSelect(nextId: string) {
    setError(null);
    if (nextId === CUSTOM) {
      // Start from the current range, expressed as absolute instants when possible.
      setDraft(
        resolved.ok
          ? { from: resolved.begin.toISOString(), to: resolved.end.toISOString() }
          : value,
      );
      setEditing(true);
      return;
    }
    const next = TIME_RANGE_PRESETS.find((p) => p.id === nextId);
    if (next) {
      setEditing(false);
      onChange({ from: next.from, to: next.to });
    }
  }

  function handleApply(event: FormEvent) {
    event.preventDefault();
    const check = resolveTimeRange(draft, now);
    if (!check.ok) {
      setError(check.error);
      return;
    }
    setError(null);
    const range = { from: draft.from.trim(), to: draft.to.trim() };
    setEditing(findPreset(range) === undefined);
    onChange(range);
  }

  return (
    <div className="time-range-selector">
      <label htmlFor={`${id}-preset`}>Time range</label>
      <select
        id={`${id}-preset`}
        value={selected}
        onChange={(event) => handleSelect(event.target.value)}
      >
        {TIME_RANGE_PRESETS.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
        <option value={CUSTOM}>Custom range…</option>
      </select>

      {editing && (
        <form className="time-range-custom" onSubmit={handleApply} aria-label="Custom time range">
          <label htmlFor={`${id}-from`}>From</label>
          <input
            id={`${id}-from`}
            value={draft.from}
            placeholder="now-1h or 2025-11-20T14:00:00Z"
            onChange={(event) => setDraft({ ...draft, from: event.target.value })}
          />
          <label htmlFor={`${id}-to`}>To</label>
          <input
            id={`${id}-to`}
            value={draft.to}
            placeholder="now"
            onChange={(event) => setDraft({ ...draft, to: event.target.value })}
          />
          <button type="submit">Apply</button>
        </form>
      )}

      {error !== null && (
        <p role="alert" className="time-range-error">
          {error}
        </p>
      )}

      <p className="time-range-resolved" data-testid="resolved-range">
        {resolved.ok
          ? `${formatTimestamp(resolved.begin)} → ${formatTimestamp(resolved.end)}`
          : resolved.error}
      </p>
    </div>
  );
}
