import { describe, expect, it } from 'vitest';
import { Finished, TaskOutcome, criticalFirst, schedule } from './publish-scheduler';

/** A DAG from { task: [its dependencies] }. */
const dag = (edges: Record<string, string[]>) => ({ tasks: Object.keys(edges), dependsOn: (id: string) => edges[id] });

/** A run whose tasks end only when the test says so: what starts when, without timings. */
function controlled(failing: string[] = []) {
  const started: string[] = [];
  const pending = new Map<string, () => void>();
  let changed: () => void = () => {};
  const run = (id: string) => {
    started.push(id);
    changed();
    return new Promise<TaskOutcome>((resolve, reject) => {
      pending.set(id, () => {
        pending.delete(id);
        if (failing.includes(id)) reject(new Error(`${id} broke`));
        else resolve({ success: true, output: `${id} ok\n` });
      });
    });
  };
  /** Resolves once `count` tasks have started. */
  const startedCount = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => (started.length >= count ? resolve() : (changed = check));
      check();
    });
  return { run, started, pending, startedCount };
}

async function collect<R extends TaskOutcome>(gen: AsyncGenerator<Finished<R>>): Promise<Finished<R>[]> {
  const out: Finished<R>[] = [];
  for await (const f of gen) out.push(f);
  return out;
}

describe('schedule', () => {
  it('starts a task only once every task it depends on has finished', async () => {
    const order: string[] = [];
    const run = async (id: string) => {
      order.push(`start ${id}`);
      await Promise.resolve();
      order.push(`end ${id}`);
      return { success: true, output: '' };
    };
    const done = await collect(schedule(dag({ d: ['b', 'c'], b: ['a'], c: ['a'], a: [] }), run, { maxParallel: 4 }));
    expect(done.map((f) => f.id).sort()).toEqual(['a', 'b', 'c', 'd']);
    const at = (e: string) => order.indexOf(e);
    expect(at('start b')).toBeGreaterThan(at('end a'));
    expect(at('start c')).toBeGreaterThan(at('end a'));
    expect(at('start d')).toBeGreaterThan(Math.max(at('end b'), at('end c')));
  });

  it('runs at most maxParallel tasks at once, starting the next as one ends', async () => {
    const c = controlled();
    const result = collect(schedule(dag({ a: [], b: [], c: [], d: [] }), c.run, { maxParallel: 2 }));
    await c.startedCount(2);
    expect(c.started).toEqual(['a', 'b']);
    c.pending.get('a')!();
    await c.startedCount(3);
    expect(c.started).toEqual(['a', 'b', 'c']);
    expect(c.pending.size).toBe(2);
    c.pending.get('b')!();
    await c.startedCount(4);
    c.pending.get('c')!();
    c.pending.get('d')!();
    expect((await result).every((f) => f.result.success)).toBe(true);
  });

  it('does not run the dependents of a failed task, naming the dependency that failed', async () => {
    const ran: string[] = [];
    const run = async (id: string) => {
      ran.push(id);
      return { success: id !== 'transit', output: '' };
    };
    const names: Record<string, string> = { transit: 'micromegas-transit', tracing: 'micromegas-tracing' };
    const done = await collect(
      schedule(dag({ transit: [], tracing: ['transit'], telemetry: ['tracing'], other: [] }), run, {
        maxParallel: 1,
        describe: (id) => names[id] ?? id,
      }),
    );
    expect(ran.sort()).toEqual(['other', 'transit']);
    const by = new Map(done.map((f) => [f.id, f.result]));
    expect(by.get('tracing')).toEqual({
      success: false,
      output: 'micromegas-tracing was not published: micromegas-transit, which it needs, was not.\n',
    });
    // a skipped task skips its own dependents in turn
    expect(by.get('telemetry')?.output).toBe(
      'telemetry was not published: micromegas-tracing, which it needs, was not.\n',
    );
    expect(by.get('other')?.success).toBe(true);
    // the caller learns which ones were never run, and why
    expect(Object.fromEntries(done.map((f) => [f.id, f.blockedBy]))).toEqual({
      transit: undefined,
      tracing: 'transit',
      telemetry: 'tracing',
      other: undefined,
    });
  });

  it('turns a rejected run into that task failing, and goes on with the rest', async () => {
    const c = controlled(['a']);
    const result = collect(schedule(dag({ a: [], b: [], c: ['a'] }), c.run, { maxParallel: 2 }));
    await c.startedCount(2);
    c.pending.get('a')!();
    c.pending.get('b')!();
    const by = new Map((await result).map((f) => [f.id, f.result]));
    expect(by.get('a')).toEqual({ success: false, output: 'a failed: a broke\n' });
    expect(by.get('b')?.success).toBe(true);
    expect(by.get('c')?.success).toBe(false);
    expect(c.started).toEqual(['a', 'b']);
  });

  it('ignores dependencies outside the DAG and refuses a cycle instead of hanging', async () => {
    const run = async () => ({ success: true, output: '' });
    expect((await collect(schedule(dag({ a: ['elsewhere'] }), run, { maxParallel: 1 }))).map((f) => f.id)).toEqual([
      'a',
    ]);
    await expect(collect(schedule(dag({ a: ['b'], b: ['a'] }), run, { maxParallel: 1 }))).rejects.toThrow(
      /cycle: a, b/,
    );
  });

  it('starts, among the ready tasks, the one with the longest chain waiting on it', async () => {
    // leaf and other need nothing and nothing needs them; transit → tracing → telemetry is the critical path
    const c = controlled();
    const edges = { leaf: [], other: [], transit: [], tracing: ['transit'], telemetry: ['tracing'] };
    const result = collect(schedule(dag(edges), c.run, { maxParallel: 1 }));
    await c.startedCount(1);
    expect(c.started).toEqual(['transit']);
    c.pending.get('transit')!();
    await c.startedCount(2);
    // tracing heads the longest chain left; then the given order among equals
    expect(c.started).toEqual(['transit', 'tracing']);
    for (let n = 3; n <= 5; n++) {
      c.pending.get(c.started[n - 2])!();
      await c.startedCount(n);
    }
    c.pending.get(c.started[4])!();
    expect((await result).map((f) => f.id)).toEqual(['transit', 'tracing', 'leaf', 'other', 'telemetry']);
  });

  it('orders by chain length, keeping the given order among equals, and survives a cycle', () => {
    const deps = (edges: Record<string, string[]>) => new Map(Object.entries(edges));
    expect(criticalFirst(['a', 'b', 'c', 'd'], deps({ a: [], b: [], c: ['b'], d: [] }))).toEqual(['b', 'a', 'c', 'd']);
    expect(criticalFirst(['a', 'b'], deps({ a: ['b'], b: ['a'] }))).toEqual(['a', 'b']);
  });
});
