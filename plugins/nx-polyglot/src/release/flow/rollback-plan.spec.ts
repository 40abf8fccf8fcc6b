import { describe, expect, it } from 'vitest';
import { leftAlone, nothingToChange, planRollback, YankTarget } from './rollback-plan';

const crate = (name: string, registry = 'local'): YankTarget => ({ project: name, crate: name, cwd: 'rust', registry });

describe('planRollback', () => {
  it('sorts crates into to-yank, already yanked and never published', () => {
    const plan = planRollback('0.12.0', false, [
      { target: crate('b'), entry: { yanked: false } },
      { target: crate('a'), entry: { yanked: true } },
      { target: crate('c') },
    ]);
    expect(plan.change.map((t) => t.crate)).toEqual(['b']);
    expect(plan.already.map((t) => t.crate)).toEqual(['a']);
    expect(plan.absent.map((t) => t.crate)).toEqual(['c']);
  });

  it('undoing, a yanked crate is the one to change', () => {
    const plan = planRollback('0.12.0', true, [
      { target: crate('a'), entry: { yanked: true } },
      { target: crate('b'), entry: { yanked: false } },
    ]);
    expect(plan.change.map((t) => t.crate)).toEqual(['a']);
    expect(plan.already.map((t) => t.crate)).toEqual(['b']);
  });
});

describe('nothingToChange', () => {
  it('a version never published: nothing to yank, and why, naming the registry and the crates', () => {
    const plan = planRollback('0.0.1', false, [
      { target: crate('micromegas') },
      { target: crate('micromegas-transit') },
    ]);
    expect(nothingToChange(plan, true)).toBe(
      'rollback (dry run): nothing to yank for 0.0.1 — it was never published: no crate has 0.0.1 in `local` (micromegas, micromegas-transit).',
    );
    expect(nothingToChange(plan, false)).toMatch(/^rollback: nothing to yank for 0\.0\.1 — it was never published/);
  });

  it('a version already yanked everywhere, or partly never published, says which is which', () => {
    const plan = planRollback('0.12.0', false, [
      { target: crate('a'), entry: { yanked: true } },
      { target: crate('b', 'other') },
    ]);
    expect(nothingToChange(plan, false)).toBe(
      'rollback: nothing to yank for 0.12.0 — never published to `other`: b; already yanked in `local`: a.',
    );
    expect(leftAlone(planRollback('0.12.0', true, [{ target: crate('a'), entry: { yanked: false } }]))).toBe(
      'not yanked in `local`: a',
    );
  });

  it('no yank target at all', () => {
    expect(nothingToChange(planRollback('0.12.0', false, []), true)).toBe(
      'rollback (dry run): nothing to yank for 0.12.0: no project has a yank target.',
    );
  });
});
