import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ProcessHost, howItEnded, killChildrenWhenEnding, runProcess } from './run-process';

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

  it('hides a token the tool prints, split over two writes, in every callback and the output', async () => {
    // the token only in the tool's environment (as UV_PUBLISH_TOKEN is), its halves printed apart
    const token = 'canary-run-process-token';
    const seen: string[] = [];
    const r = await runProcess(
      'node',
      [
        '-e',
        `const t = process.env.UV_PUBLISH_TOKEN; process.stdout.write('403: ' + t.slice(0, 9)); setImmediate(() => { process.stdout.write(t.slice(9) + '\\n'); console.error('again ' + t); });`,
      ],
      {
        cwd: process.cwd(),
        env: { UV_PUBLISH_TOKEN: token },
        onOutput: (c) => seen.push(c),
        onStdoutLine: (l) => seen.push(l),
        onStderr: (c) => seen.push(c),
      },
    );
    expect(r.output.split('\n').sort()).toEqual(['', '403: ***', 'again ***']);
    expect(seen.join('|')).not.toMatch(/canary/);
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

  it("keeps the output of both streams in order when a stream's end could begin a secret (and is held back)", async () => {
    // a token that starts as the stdout text ends: the live filter holds the "d" back until it knows
    const r = await runProcess('sh', ['-c', "printf 'not ended'; sleep 0.1; echo warn >&2"], {
      cwd: process.cwd(),
      env: { CARGO_REGISTRY_TOKEN: 'd7c1e5b0a9f8e7d6c5b4a3' },
    });
    expect(r.output).toBe('not endedwarn\n');
  });

  it('ends the processes it started when this process is ended by a signal, then lets the signal end it', async () => {
    const host = Object.assign(new EventEmitter(), { pid: 4242, raised: [] as unknown[][] });
    const fake = Object.assign(host, { kill: (...a: unknown[]) => host.raised.push(a) }) as unknown as ProcessHost;
    killChildrenWhenEnding(fake);
    let pid = 0;
    const sleeping = runProcess('sleep', ['300'], { cwd: process.cwd(), onSpawn: (p) => (pid = p) });
    expect(pid).toBeGreaterThan(0);
    host.emit('SIGTERM');
    // a guard against hangs only: without the clean-up, sleep would run for 300 s
    let guard: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      sleeping,
      new Promise<undefined>((resolve) => (guard = setTimeout(() => resolve(undefined), 60_000))),
    ]);
    clearTimeout(guard);
    expect(r?.signal).toBe('SIGTERM');
    expect(host.raised).toEqual([[4242, 'SIGTERM']]);
  });
});
