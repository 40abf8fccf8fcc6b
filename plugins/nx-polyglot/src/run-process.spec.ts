import { describe, expect, it } from 'vitest';
import { howItEnded, runProcess } from './run-process';

describe('runProcess', () => {
  it('reports a process killed by a signal as that signal, keeping what it printed', async () => {
    const r = await runProcess('sh', ['-c', 'echo "Uploading micromegas v0.12.0"; kill -KILL $$'], {
      cwd: process.cwd(),
    });
    expect(r.signal).toBe('SIGKILL');
    expect(r.exitCode).toBe(137);
    expect(howItEnded(r)).toBe('was killed by SIGKILL');
    expect(r.output).toContain('Uploading micromegas v0.12.0');
    expect(r.output).toContain('`sh` was killed by SIGKILL');
  });

  it('reports an exit code as such', async () => {
    const r = await runProcess('sh', ['-c', 'echo oops >&2; exit 3'], { cwd: process.cwd() });
    expect(r).toEqual({ exitCode: 3, output: 'oops\n' });
    expect(howItEnded(r)).toBe('exited with 3');
  });

  it('names a program that is not installed', async () => {
    const r = await runProcess('no-such-program-nx-polyglot', [], { cwd: process.cwd() });
    expect(r.exitCode).toBe(127);
    expect(r.output).toContain('`no-such-program-nx-polyglot` is not installed or not on PATH');
  });

  it('adds to the environment, and removes a variable given as undefined', async () => {
    process.env.NX_POLYGLOT_RUN_PROCESS_SPEC = 'inherited';
    try {
      const r = await runProcess('sh', ['-c', 'echo "${NX_POLYGLOT_RUN_PROCESS_SPEC-unset} $ADDED"'], {
        cwd: process.cwd(),
        env: { NX_POLYGLOT_RUN_PROCESS_SPEC: undefined, ADDED: 'added' },
      });
      expect(r.output).toBe('unset added\n');
    } finally {
      delete process.env.NX_POLYGLOT_RUN_PROCESS_SPEC;
    }
  });

  it('gives whole stdout lines, stderr chunks and the output of both, without breaking a character', async () => {
    const lines: string[] = [];
    let stderr = '';
    const r = await runProcess(
      'sh',
      ['-c', 'printf \'{"a":"é"}\\nnot\'; sleep 0.1; printf \' ended\'; echo warn >&2'],
      {
        cwd: process.cwd(),
        onStdoutLine: (l) => lines.push(l),
        onStderr: (c) => (stderr += c),
      },
    );
    expect(lines).toEqual(['{"a":"é"}', 'not ended']);
    expect(stderr).toBe('warn\n');
    expect(r.output).toContain('{"a":"é"}\nnot ended');
  });
});
