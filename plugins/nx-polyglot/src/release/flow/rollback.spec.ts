import { describe, expect, it } from 'vitest';
import type { ProjectGraph } from '@nx/devkit';
import type { FlowContext } from './context';
import { rollback, yankTargetsOf } from './rollback';
import type { YankTarget } from './rollback-plan';

/** A flow that records what it says and runs instead of printing and running it. */
function recordingFlow(dryRun: boolean) {
  const said: string[] = [];
  const failed: string[] = [];
  const ran: string[][] = [];
  const flow = {
    root: '/ws',
    target: 'root:rollback',
    version: '0.12.0',
    dryRun,
    log: { say: (l: string) => void said.push(l), fail: (l: string) => (failed.push(l), { success: false }) },
    run: async (file: string, args: string[]) => (ran.push([file, ...args]), { exitCode: 0, output: '' }),
  } as unknown as FlowContext;
  return { flow, said, failed, ran };
}

const target = (name: string, registry = 'local'): YankTarget => ({
  project: name,
  crate: name,
  cwd: 'rust',
  registry,
});
const entry = (vers: string, yanked = false) => ({ name: 'x', vers, yanked, cksum: '' });

describe('rollback', () => {
  it('a version never published: nothing is run, the step succeeds and says why', async () => {
    const { flow, said, ran } = recordingFlow(true);
    const result = await rollback(flow, { vers: '0.0.1' }, [target('a'), target('b')], async () => [entry('0.12.0')]);
    expect(result).toEqual({ success: true });
    expect(ran).toEqual([]);
    expect(said[0]).toBe(
      'rollback (dry run): nothing to yank for 0.0.1 — it was never published: no crate has 0.0.1 in `local` (a, b).',
    );
  });

  it('yanks only the crates the index has in the other state, and names the others', async () => {
    const { flow, said, ran } = recordingFlow(false);
    const versions: Record<string, ReturnType<typeof entry>[]> = {
      a: [entry('0.12.0')],
      b: [],
      c: [entry('0.12.0', true)],
    };
    const result = await rollback(flow, {}, [target('a'), target('b'), target('c')], async (t) => versions[t.crate]);
    expect(result).toEqual({ success: true });
    expect(ran).toEqual([
      ['npx', 'nx', 'run-many', '-t', 'yank', '--projects=a', '--vers=0.12.0', '--output-style=static'],
    ]);
    expect(said).toContain('Left alone: never published to `local`: b; already yanked in `local`: c.');
  });

  it('a crate without a registry stops the rollback before anything is asked or yanked', async () => {
    const { flow, failed, ran } = recordingFlow(false);
    const asked: string[] = [];
    const result = await rollback(
      flow,
      {},
      [target('a'), { ...target('b'), registry: undefined }],
      async (t) => (asked.push(t.crate), []),
    );
    expect(result).toEqual({ success: false });
    expect(asked).toEqual([]);
    expect(ran).toEqual([]);
    expect(failed[0]).toMatch(/no Cargo registry is configured for b/);
  });
});

describe('yankTargetsOf', () => {
  it("reads the crates' cargo-yank targets, as nx run-many -t yank would run them", () => {
    const graph = {
      nodes: {
        'micromegas-transit': {
          name: 'micromegas-transit',
          type: 'lib',
          data: {
            root: 'rust/transit',
            targets: {
              yank: {
                executor: 'nx-polyglot:cargo-yank',
                options: { cwd: 'rust', package: 'micromegas-transit', registry: 'local' },
              },
            },
          },
        },
        web: { name: 'web', type: 'app', data: { root: 'web', targets: { yank: { executor: 'nx:run-commands' } } } },
      },
      dependencies: {},
    } as unknown as ProjectGraph;
    expect(yankTargetsOf(graph)).toEqual([
      { project: 'micromegas-transit', crate: 'micromegas-transit', cwd: 'rust', registry: 'local' },
    ]);
  });
});
