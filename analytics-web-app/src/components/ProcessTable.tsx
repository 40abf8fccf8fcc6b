import { formatDuration, formatFrequency, formatTimestamp } from '../lib/format.ts';
import {
  exeName,
  nextSort,
  processLifetimeMs,
  type ProcessInfo,
  type SortKey,
  type SortState,
} from '../lib/processes.ts';

interface Column {
  key: SortKey;
  label: string;
}

const SORTABLE_COLUMNS: readonly Column[] = [
  { key: 'exe', label: 'Executable' },
  { key: 'computer', label: 'Computer' },
  { key: 'username', label: 'User' },
  { key: 'start_time', label: 'Started' },
  { key: 'last_update_time', label: 'Last update' },
];

export interface ProcessTableProps {
  processes: readonly ProcessInfo[];
  sort: SortState;
  onSortChange: (sort: SortState) => void;
}

function ariaSort(sort: SortState, key: SortKey): 'ascending' | 'descending' | 'none' {
  if (sort.key !== key) {
    return 'none';
  }
  return sort.direction === 'asc' ? 'ascending' : 'descending';
}

export function ProcessTable({ processes, sort, onSortChange }: ProcessTableProps) {
  return (
    <table className="process-table">
      <thead>
        <tr>
          {SORTABLE_COLUMNS.map((column) => (
            <th key={column.key} scope="col" aria-sort={ariaSort(sort, column.key)}>
              <button type="button" onClick={() => onSortChange(nextSort(sort, column.key))}>
                {column.label}
                {sort.key === column.key ? (sort.direction === 'asc' ? ' ▲' : ' ▼') : ''}
              </button>
            </th>
          ))}
          <th scope="col">Lifetime</th>
          <th scope="col">CPU</th>
          <th scope="col">Process ID</th>
        </tr>
      </thead>
      <tbody>
        {processes.map((p) => (
          <tr key={p.process_id}>
            <td title={p.exe}>
              {exeName(p.exe)}
              {p.parent_process_id !== null && (
                <span className="badge" title={`Parent: ${p.parent_process_id}`}>
                  child
                </span>
              )}
            </td>
            <td title={p.distro}>{p.computer}</td>
            <td title={p.realname}>{p.username}</td>
            <td>{formatTimestamp(p.start_time)}</td>
            <td>{formatTimestamp(p.last_update_time)}</td>
            <td>{formatDuration(processLifetimeMs(p))}</td>
            <td title={p.cpu_brand}>{formatFrequency(p.tsc_frequency)}</td>
            <td>
              <code title={p.process_id}>{p.process_id.slice(0, 8)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
