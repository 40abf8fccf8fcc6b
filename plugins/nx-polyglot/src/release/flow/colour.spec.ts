import { describe, expect, it } from 'vitest';
import { childColourEnv, useColour } from './colour';

describe('useColour', () => {
  const inTask = { NX_TASK_TARGET_PROJECT: 'micromegas-monorepo' };

  it('follows the terminal when nothing is forced', () => {
    expect(useColour({}, true)).toBe(true);
    expect(useColour({}, false)).toBe(false);
    expect(useColour({ TERM: 'dumb' }, true)).toBe(false);
  });

  it('ignores the FORCE_COLOR=true Nx gives every task: piped output gets no colour codes', () => {
    expect(useColour({ ...inTask, FORCE_COLOR: 'true' }, false)).toBe(false);
    expect(useColour({ ...inTask, FORCE_COLOR: 'true' }, true)).toBe(true);
  });

  it('honours a FORCE_COLOR the user set (any other value, or outside an Nx task)', () => {
    expect(useColour({ ...inTask, FORCE_COLOR: '1' }, false)).toBe(true);
    expect(useColour({ FORCE_COLOR: 'true' }, false)).toBe(true);
    expect(useColour({ FORCE_COLOR: '' }, false)).toBe(true);
  });

  it('turns colour off for FORCE_COLOR=0/false and for NO_COLOR, even on a terminal', () => {
    expect(useColour({ FORCE_COLOR: '0' }, true)).toBe(false);
    expect(useColour({ FORCE_COLOR: 'false' }, true)).toBe(false);
    expect(useColour({ NO_COLOR: '1' }, true)).toBe(false);
    expect(useColour({ NO_COLOR: '1', FORCE_COLOR: '1' }, true)).toBe(false);
  });

  it('colours a CI log, as Nx does', () => {
    expect(useColour({ ...inTask, FORCE_COLOR: 'true', CI: 'true' }, false)).toBe(true);
  });
});

describe('childColourEnv', () => {
  it("passes Nx's own off switch to child processes, and nothing when colour is on", () => {
    expect(childColourEnv(false)).toEqual({ FORCE_COLOR: '0', NO_COLOR: '1' });
    expect(childColourEnv(true)).toEqual({});
  });
});
