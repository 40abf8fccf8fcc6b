// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from './App.tsx';

beforeEach(() => {
  window.history.replaceState(null, '', '/');
});

afterEach(cleanup);

describe('App', () => {
  it('defaults to the last 24 hours of the static sample', () => {
    render(<App />);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Micromegas Analytics');
    expect(screen.getByText('Static sample captured 2025-11-20 15:00:00 UTC')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toBe('7 of 9 processes');
  });

  it('reads the time range from the URL and writes changes back to it', () => {
    window.history.replaceState(null, '', '/?tab=processes&from=now-15m&to=now');
    render(<App />);
    expect(screen.getByRole('status').textContent).toBe('3 of 9 processes');

    fireEvent.change(screen.getByLabelText('Time range'), { target: { value: '6h' } });
    expect(screen.getByRole('status').textContent).toBe('6 of 9 processes');
    expect(window.location.search).toBe('?tab=processes&from=now-6h&to=now');
  });
});
