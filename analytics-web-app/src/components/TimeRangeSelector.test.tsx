// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TimeRange } from '../lib/time-range.ts';
import { TimeRangeSelector } from './TimeRangeSelector.tsx';

const NOW = new Date('2025-11-20T15:00:00Z');

afterEach(cleanup);

function setup(value: TimeRange = { from: 'now-1h', to: 'now' }) {
  const onChange = vi.fn<(range: TimeRange) => void>();
  const utils = render(<TimeRangeSelector value={value} now={NOW} onChange={onChange} />);
  return { onChange, ...utils };
}

describe('TimeRangeSelector', () => {
  it('shows the selected preset and its resolved bounds', () => {
    setup();
    const select = screen.getByLabelText<HTMLSelectElement>('Time range');
    expect(select.value).toBe('1h');
    expect(screen.getByTestId('resolved-range').textContent).toBe(
      '2025-11-20 14:00:00 UTC → 2025-11-20 15:00:00 UTC',
    );
    expect(screen.queryByRole('form', { name: 'Custom time range' })).toBeNull();
  });

  it('emits the preset range when another preset is picked', () => {
    const { onChange } = setup();
    fireEvent.change(screen.getByLabelText('Time range'), { target: { value: '7d' } });
    expect(onChange).toHaveBeenCalledExactlyOnceWith({ from: 'now-7d', to: 'now' });
  });

  it('opens the custom editor prefilled with absolute bounds', () => {
    const { onChange } = setup();
    fireEvent.change(screen.getByLabelText('Time range'), { target: { value: 'custom' } });
    expect(screen.getByRole('form', { name: 'Custom time range' })).toBeTruthy();
    expect(screen.getByLabelText<HTMLInputElement>('From').value).toBe('2025-11-20T14:00:00.000Z');
    expect(screen.getByLabelText<HTMLInputElement>('To').value).toBe('2025-11-20T15:00:00.000Z');
    expect(onChange).not.toHaveBeenCalled();
  });

  it('applies a valid custom range', () => {
    const { onChange } = setup();
    fireEvent.change(screen.getByLabelText('Time range'), { target: { value: 'custom' } });
    fireEvent.change(screen.getByLabelText('From'), { target: { value: ' now-90m ' } });
    fireEvent.change(screen.getByLabelText('To'), { target: { value: 'now-30m' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    expect(onChange).toHaveBeenCalledExactlyOnceWith({ from: 'now-90m', to: 'now-30m' });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('reports an invalid custom range without emitting it', () => {
    const { onChange } = setup();
    fireEvent.change(screen.getByLabelText('Time range'), { target: { value: 'custom' } });
    fireEvent.change(screen.getByLabelText('From'), { target: { value: 'now' } });
    fireEvent.change(screen.getByLabelText('To'), { target: { value: 'now-1h' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    expect(screen.getByRole('alert').textContent).toBe('Start time must be before end time');
    expect(onChange).not.toHaveBeenCalled();
  });

  it('starts in custom mode for a non-preset value', () => {
    setup({ from: '2025-11-20T00:00:00Z', to: 'now-1h' });
    expect(screen.getByLabelText<HTMLSelectElement>('Time range').value).toBe('custom');
    expect(screen.getByLabelText<HTMLInputElement>('From').value).toBe('2025-11-20T00:00:00Z');
    expect(screen.getByTestId('resolved-range').textContent).toBe(
      '2025-11-20 00:00:00 UTC → 2025-11-20 14:00:00 UTC',
    );
  });
});
