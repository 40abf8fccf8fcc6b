import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installRegistries, releaseEnv, startRegistries, stopRegistries } from './registries';
import { copyRepository, removeCopy } from './repo-copy';

const TOKEN = `rollback-${Math.random().toString(36).slice(2)}`;

describe.sequential('rollback --dry-run on a copy of this repository, into a local Cargo registry', () => {
  let copy: string;
  let data: string;
  let env: Record<string, string>;
  const nx = (...args: string[]) =>
    execa('npx', ['nx', ...args, '--output-style=static'], {
      cwd: copy,
      env,
      extendEnv: false,
      reject: false,
      all: true,
    });

  beforeAll(async () => {
    await installRegistries();
    copy = await copyRepository('nx-polyglot-rollback-');
    data = mkdtempSync(join(tmpdir(), 'nx-polyglot-rollback-registries-'));
    const urls = await startRegistries(data, TOKEN, ['crates']);
    env = releaseEnv(copy, urls, { crates: TOKEN, npm: 'unused' });
    // output captured through a pipe, as in a script or a log, with no colour asked for either way
    for (const name of ['FORCE_COLOR', 'NO_COLOR', 'CI']) delete env[name];
  }, 3_600_000);
  afterAll(async () => {
    if (data) await stopRegistries(data, ['crates']);
    if (copy) removeCopy(copy);
    if (data) rmSync(data, { recursive: true, force: true });
  });

  it('exits 0, says there is nothing to yank and why, and prints no colour codes into a pipe', async () => {
    const run = await nx('run', 'micromegas-monorepo:rollback', '--dry-run', '--vers=0.0.1');
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(
      /rollback \(dry run\): nothing to yank for 0\.0\.1 — it was never published: no crate has 0\.0\.1 in `local` \(.*micromegas-transit.*\)\./,
    );
    expect(run.all).not.toMatch(/failed/);
    expect(run.all).not.toContain('\x1b[');
  });

  it('with one crate published: would yank that one, names the others, and the nested nx run prints no colour codes either', async () => {
    const published = await nx('run', 'micromegas-derive-transit:publish');
    expect(published.exitCode, published.all).toBe(0);
    const run = await nx('run', 'micromegas-monorepo:rollback', '--dry-run', '--vers=0.12.0');
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toContain(
      'nx run-many -t yank --projects=micromegas-derive-transit --vers=0.12.0 --dry-run --output-style=static',
    );
    expect(run.all).toContain('micromegas-derive-transit@0.12.0 would be yanked in `local` (dry run)');
    expect(run.all).toMatch(/Left alone: never published to `local`: .*micromegas-transit/);
    expect(run.all).not.toContain('\x1b[');
  });
});
