import { execa } from 'execa';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureWorkspace, nxIn } from './fixture-workspace';
import { nxEnv } from './repo-copy';

/**
 * Batched cargo tasks as a user sees them: `failing` has a failing test,
 * `fast` passes at once, `slow` passes only once the test has seen `fast`
 * reported (it waits for a marker file the test writes then), so the run
 * itself proves that a passing crate is reported before the slowest ends.
 */
const crate = (name: string) => `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n`;
const MARKER = 'fast-was-reported';
const FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'live', private: true }),
  'nx.json': JSON.stringify({ plugins: ['nx-polyglot'] }),
  '.gitignore': `node_modules\ntarget\n.nx\n${MARKER}\n`,
  'Cargo.toml': '[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n',
  'crates/failing/Cargo.toml': crate('failing'),
  'crates/failing/src/lib.rs':
    '#[cfg(test)]\nmod tests {\n    #[test]\n    fn wrong() {\n        assert_eq!(1 + 1, 3, "the panic message users need");\n    }\n}\n',
  'crates/fast/Cargo.toml': crate('fast'),
  'crates/fast/src/lib.rs':
    '#[cfg(test)]\nmod tests {\n    #[test]\n    fn quick() {}\n\n    #[test]\n    fn other() {}\n}\n',
  'crates/slow/Cargo.toml': crate('slow'),
  'crates/slow/src/lib.rs': `#[cfg(test)]
mod tests {
    #[test]
    fn waits_for_fast() {
        // a guard against hangs only: the test writes the marker as soon as it sees \`fast\` reported
        let marker = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../${MARKER}");
        for _ in 0..1200 {
            if marker.exists() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("fast was not reported while slow was running");
    }
}
`,
};

describe('batched cargo tasks show their output live', () => {
  let root: string;
  const out = (r: { all?: string }) => stripVTControlCharacters(r.all ?? '');

  beforeAll(async () => {
    root = await fixtureWorkspace('nx-polyglot-live-', FILES);
    await execa('cargo', ['test', '--no-run', '--offline', '-q'], { cwd: root });
    await execa('git', ['add', '-A'], { cwd: root });
    await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '-qm', 'init'], { cwd: root });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each([[[]], [['--output-style=static']]])(
    '`nx run-many -t test %s`: the panic message, and `fast` reported before `slow` ends',
    async (style) => {
      rmSync(join(root, MARKER), { force: true });
      const child = execa(
        'node',
        [join(root, 'node_modules/nx/dist/bin/nx.js'), 'run-many', '-t', 'test', '--skip-nx-cache', ...style],
        {
          cwd: root,
          env: { ...nxEnv, RUST_BACKTRACE: '0' },
          all: true,
          reject: false,
        },
      );
      let seen = '';
      child.all?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        // Nx reports a passing task in run-many as a line of its own
        if (/nx run fast:test/.test(stripVTControlCharacters(seen)) && !existsSync(join(root, MARKER)))
          writeFileSync(join(root, MARKER), '');
      });
      const result = await child;
      expect(result.exitCode).not.toBe(0);
      const output = out(result);
      expect(output).toContain('the panic message users need');
      expect(output).toMatch(/Failed tasks:\s+- failing:test/);
      expect(output).not.toMatch(/- slow:test/); // slow passed: it saw the marker
      expect(output.indexOf('nx run fast:test')).toBeLessThan(output.indexOf('test tests::waits_for_fast ... ok'));
    },
  );

  it('`nx run failing:test` (one task) shows the panic message', async () => {
    const result = await nxIn(root, ['run', 'failing:test', '--skip-nx-cache'], { RUST_BACKTRACE: '0' });
    expect(result.exitCode).not.toBe(0);
    expect(out(result)).toContain('the panic message users need');
  });

  it('`nx affected -t test` shows the panic message of the affected failing crate', async () => {
    writeFileSync(join(root, 'crates/failing/src/extra.rs'), '// touched\n');
    const result = await nxIn(
      root,
      ['affected', '-t', 'test', '--base=HEAD', '--skip-nx-cache', '--output-style=static'],
      { RUST_BACKTRACE: '0' },
    );
    rmSync(join(root, 'crates/failing/src/extra.rs'));
    expect(result.exitCode).not.toBe(0);
    expect(out(result)).toMatch(/Running target test for project failing/);
    expect(out(result)).toContain('the panic message users need');
  });

  it('passes what follows `--` to the test harness, in one task and in a batch', async () => {
    writeFileSync(join(root, MARKER), '');
    const one = await nxIn(root, ['run', 'fast:test', '--skip-nx-cache', '--output-style=static', '--', '--list']);
    expect(one.exitCode, out(one)).toBe(0);
    expect(out(one)).toMatch(/tests::quick: test/);
    expect(out(one)).not.toMatch(/test tests::quick \.\.\. ok/);
    const filtered = await nxIn(root, [
      'run-many',
      '-t',
      'test',
      '--projects=fast,slow',
      '--skip-nx-cache',
      '--output-style=static',
      '--',
      'quick',
    ]);
    expect(filtered.exitCode, out(filtered)).toBe(0);
    expect(out(filtered)).toMatch(/test tests::quick \.\.\. ok/);
    expect(out(filtered)).not.toMatch(/tests::other|waits_for_fast \.\.\./);
  });
});
