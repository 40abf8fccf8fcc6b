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
});
