import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrateRef, runCargoBatch } from './cargo-batch';

/**
 * A real Cargo workspace where each crate shows one outcome: `broken` does
 * not compile, `blocked` depends on it, `failing` has a failing test,
 * `sloppy` is badly formatted, `fine` and `also-fine` pass everything.
 */
const crates: Record<string, { lib: string; deps?: string[] }> = {
  fine: { lib: 'pub fn one() -> u32 {\n    1\n}\n\n#[test]\nfn one_is_one() {\n    assert_eq!(one(), 1);\n}\n' },
  'also-fine': {
    lib: 'pub fn two() -> u32 {\n    fine::one() + 1\n}\n\n#[test]\nfn two_is_two() {\n    assert_eq!(two(), 2);\n}\n',
    deps: ['fine'],
  },
  broken: { lib: 'pub fn oops() -> u32 {\n    "not a number"\n}\n' },
  blocked: { lib: 'pub fn uses() -> u32 {\n    broken::oops()\n}\n', deps: ['broken'] },
  failing: { lib: '#[test]\nfn wrong() {\n    assert_eq!(1 + 1, 3, "arithmetic is broken");\n}\n' },
  sloppy: { lib: 'pub fn  spaced( )->u32{3}\n' },
};

let root: string;
/** `broken` is a member through a symbolic link: cargo names it by the link, Nx's project sits at the link's target. */
const LINKED = { broken: '_linked/broken' };
const refs = (): CrateRef[] =>
  Object.keys(crates).map((name) => ({
    name,
    dir: join(root, LINKED[name as keyof typeof LINKED] ?? name),
    project: name,
  }));
const dependsOn = (crate: CrateRef, failed: string) => (crates[crate.name].deps ?? []).includes(failed);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cargo-batch-'));
  const files: Record<string, string> = {
    'Cargo.toml': '[workspace]\nmembers = ["*"]\nexclude = ["target", "_linked"]\nresolver = "3"\n',
  };
  for (const [name, { lib, deps = [] }] of Object.entries(crates)) {
    files[`${name}/Cargo.toml`] =
      `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2024"\n\n[dependencies]\n` +
      deps.map((d) => `${d} = { path = "../${d}" }\n`).join('');
    files[`${name}/src/lib.rs`] = lib;
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  for (const [name, target] of Object.entries(LINKED)) {
    mkdirSync(dirname(join(root, target)), { recursive: true });
    renameSync(join(root, name), join(root, target));
    symlinkSync(target, join(root, name));
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('runCargoBatch with real cargo', () => {
  it('tells apart, in one `cargo test` batch, the crate that does not compile, its dependent, the failing test and the passing crates', async () => {
    const outcomes = await runCargoBatch({ cwd: root, command: ['test'], args: [] }, refs(), dependsOn);
    const success = Object.fromEntries([...outcomes].map(([name, o]) => [name, o.success]));
    expect(success).toEqual({
      fine: true,
      'also-fine': true,
      broken: false,
      blocked: false,
      failing: false,
      sloppy: true,
    });
    expect(outcomes.get('broken')?.output).toMatch(/mismatched types/);
    expect(outcomes.get('blocked')?.output).toMatch(/dependency of blocked failed to compile/);
    expect(outcomes.get('failing')?.output).toMatch(/arithmetic is broken/);
    expect(outcomes.get('fine')?.output).toMatch(/test one_is_one \.\.\. ok/);
    // each crate's output is its own
    expect(outcomes.get('fine')?.output).not.toMatch(/arithmetic is broken|mismatched types|two_is_two/);
  });

  it('attributes clippy diagnostics to the crate they are about', async () => {
    const outcomes = await runCargoBatch(
      { cwd: root, command: ['clippy'], args: ['--all-targets', '--', '-D', 'warnings'] },
      refs().filter((c) => ['fine', 'also-fine', 'broken', 'blocked'].includes(c.name)),
      dependsOn,
    );
    expect(Object.fromEntries([...outcomes].map(([n, o]) => [n, o.success]))).toEqual({
      fine: true,
      'also-fine': true,
      broken: false,
      blocked: false,
    });
    expect(outcomes.get('fine')?.output).toBe('');
  });

  it('finds the badly formatted crate in one `cargo fmt --check`', async () => {
    const outcomes = await runCargoBatch({ cwd: root, command: ['fmt'], args: ['--check'] }, refs(), dependsOn);
    expect([...outcomes].filter(([, o]) => !o.success).map(([n]) => n)).toEqual(['sloppy']);
    expect(outcomes.get('sloppy')?.output).toMatch(/Diff in .*sloppy\/src\/lib\.rs/);
  });

  it('runs a command it cannot attribute once per crate', async () => {
    const seen: string[][] = [];
    const outcomes = await runCargoBatch(
      { cwd: root, command: ['nextest', 'run'], args: [] },
      refs().slice(0, 2),
      dependsOn,
      async (args) => {
        seen.push(args);
        return { exitCode: args.includes('fine') ? 0 : 1, output: `ran ${args.join(' ')}\n` };
      },
    );
    expect(seen).toEqual([
      ['nextest', 'run', '-p', 'fine'],
      ['nextest', 'run', '-p', 'also-fine'],
    ]);
    expect(outcomes.get('also-fine')).toEqual({ success: false, output: 'ran nextest run -p also-fine\n' });
  });
});
