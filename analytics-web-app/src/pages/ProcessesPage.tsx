import { useId, useState } from 'react';
import { ProcessTable } from '../components/ProcessTable.tsx';
import { TimeRangeSelector } from '../components/TimeRangeSelector.tsx';
import {
  DEFAULT_SORT,
  filterProcesses,
  sortProcesses,
  type ProcessInfo,
  type SortState,
} from '../lib/processes.ts';
import { resolveTimeRange, type TimeRange } from '../lib/time-range.ts';

export interface ProcessesPageProps {
  processes: readonly ProcessInfo[];
  now: Date;
  range: TimeRange;
  onRangeChange: (range: TimeRange) => void;
}

export function ProcessesPage({ processes, now, range, onRangeChange }: ProcessesPageProps) {
  const searchId = useId();
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<SortState>(DEFAULT_SORT);

  const resolved = resolveTimeRange(range, now);
  const visible = resolved.ok
    ? sortProcesses(
        filterProcesses(processes, { search, begin: resolved.begin, end: resolved.end }),
        sort,
      )
    : [];

  return (
    <section className="processes-page">
      <h2>Processes</h2>
      <div className="toolbar">
        <TimeRangeSelector value={range} now={now} onChange={onRangeChange} />
        <div className="search">
          <label htmlFor={searchId}>Search</label>
          <input
            id={searchId}
            type="search"
            value={search}
            placeholder="exe, user, computer, id, key=value"
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
      </div>
      <p className="summary" role="status">
        {visible.length} of {processes.length} processes
      </p>
      {visible.length > 0 ? (
        <ProcessTable processes={visible} sort={sort} onSortChange={setSort} />
      ) : (
        <p className="empty">No process matches the current filters.</p>
      )}
    </section>
  );
}
