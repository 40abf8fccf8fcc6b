import { useState } from 'react';
import rawSample from './data/processes.sample.json';
import { formatTimestamp } from './lib/format.ts';
import { parseProcessSample } from './lib/processes.ts';
import {
  timeRangeFromSearchParams,
  timeRangeToSearchParams,
  type TimeRange,
} from './lib/time-range.ts';
import { ProcessesPage } from './pages/ProcessesPage.tsx';

const sample = parseProcessSample(rawSample);
// The data is a static capture, so "now" is pinned to the moment it was taken;
// otherwise every relative range ("last hour", ...) would eventually be empty.
const sampleNow = new Date(sample.generated_at);

export function App() {
  const [range, setRange] = useState<TimeRange>(() =>
    timeRangeFromSearchParams(new URLSearchParams(window.location.search)),
  );

  function handleRangeChange(next: TimeRange) {
    setRange(next);
    const params = timeRangeToSearchParams(next, new URLSearchParams(window.location.search));
    window.history.replaceState(null, '', `?${params.toString()}`);
  }

  return (
    <div className="app">
      <header className="app-header">
        <h1>Micromegas Analytics</h1>
        <span className="sample-note">
          Static sample captured {formatTimestamp(sample.generated_at)}
        </span>
      </header>
      <main>
        <ProcessesPage
          processes={sample.processes}
          now={sampleNow}
          range={range}
          onRangeChange={handleRangeChange}
        />
      </main>
    </div>
  );
}
