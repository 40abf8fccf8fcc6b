// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import rawSample from '../data/processes.sample.json';
import { parseProcessSample } from '../lib/processes.ts';
import type { TimeRange } from '../lib/time-range.ts';
import { ProcessesPage } from './ProcessesPage.tsx';

const sample = parseProcessSample(rawSample);
const NOW = new Date(sample.generated_at);

afterEach(cleanup);

function Harness({ initial }: { initial: TimeRange }) {
  const [range, setRange] = useState(initial);
  return (
    <ProcessesPage processes={sample.processes} now={NOW} range={range} onRangeChange={setRange} />
  );
}

/** Executable names of the table rows, top to bottom. */
function rowExeNames(): string[] {
  const rows = screen.getAllByRole('row').slice(1); // skip the header row
  return rows.map((row) => within(row).getAllByRole('cell')[0]?.firstChild?.textContent ?? '');
}

describe('ProcessesPage', () => {
  it('lists processes active in the range, most recently updated first', () => {
    render(<Harness initial={{ from: 'now-1h', to: 'now' }} />);
    expect(screen.getByRole('status').textContent).toBe('5 of 9 processes');
    expect(rowExeNames()).toEqual([
      'flight-sql-srv',
      'telemetry-ingestion-srv',
      'telemetry-admin',
      'CrashReporter.exe',
      'Starfall.exe',
    ]);
  });

  it('refilters when the time range changes', () => {
    render(<Harness initial={{ from: 'now-1h', to: 'now' }} />);
    fireEvent.change(screen.getByLabelText('Time range'), { target: { value: '15m' } });
    expect(screen.getByRole('status').textContent).toBe('3 of 9 processes');
    fireEvent.change(screen.getByLabelText('Time range'), { target: { value: '30d' } });
    expect(screen.getByRole('status').textContent).toBe('9 of 9 processes');
  });

  it('filters by search text and shows an empty state', () => {
    render(<Harness initial={{ from: 'now-7d', to: 'now' }} />);
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'ci-runner' } });
    expect(rowExeNames()).toEqual(['python3', 'telemetry-generator']);
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'zzz' } });
    expect(screen.queryByRole('table')).toBeNull();
    expect(screen.getByText('No process matches the current filters.')).toBeTruthy();
  });

  it('sorts when a column header is clicked', () => {
    render(<Harness initial={{ from: 'now-6h', to: 'now' }} />);
    const exeHeader = screen.getByRole('columnheader', { name: /Executable/ });
    expect(exeHeader.getAttribute('aria-sort')).toBe('none');
    fireEvent.click(within(exeHeader).getByRole('button'));
    expect(exeHeader.getAttribute('aria-sort')).toBe('ascending');
    expect(rowExeNames()).toEqual([
      'CrashReporter.exe',
      'flight-sql-srv',
      'Starfall.exe',
      'telemetry-admin',
      'telemetry-ingestion-srv',
      'UnrealEditor.exe',
    ]);
    fireEvent.click(within(exeHeader).getByRole('button'));
    expect(exeHeader.getAttribute('aria-sort')).toBe('descending');
    expect(rowExeNames()[0]).toBe('UnrealEditor.exe');
  });

  it('marks child processes', () => {
    render(<Harness initial={{ from: 'now-1h', to: 'now' }} />);
    const badge = screen.getByText('child');
    expect(badge.getAttribute('title')).toBe('Parent: 6e1f8a3b-2c9d-4e7a-b5f6-0a1b2c3d4e04');
  });
});
