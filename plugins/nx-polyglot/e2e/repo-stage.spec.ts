import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEPT, releaseStage, stagesDir, syncStage, takeStage } from './repo-stage';

/** The warm stage's one promise to cargo: a file whose bytes changed gets a newer mtime; an unchanged one keeps its own. */
describe('a staged copy brought back to the repository (repo-stage.ts)', () => {
  let dir: string;
  let repo: string;
  let stage: string;
  const FILES = ['rust/Cargo.toml', 'rust/src/lib.rs', 'python/micromegas/pyproject.toml', 'README.md'];
  const put = (root: string, file: string, text: string) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  const PAST = new Date('2020-01-01T00:00:00Z');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nx-polyglot-stage-'));
    repo = join(dir, 'repo');
    stage = join(dir, 'stage');
    for (const f of FILES) put(repo, f, `${f}\n`);
    syncStage(repo, stage, FILES);
    // what specs leave behind: edits, a read-only file, new files, Nx's cache, cargo's and Python's outputs
    for (const f of FILES) utimesSync(join(stage, f), PAST, PAST);
    put(stage, 'rust/src/lib.rs', 'edited by a spec\n');
    utimesSync(join(stage, 'rust/src/lib.rs'), PAST, PAST);
    chmodSync(join(stage, 'README.md'), 0o444);
    put(stage, 'rust/src/extra.rs', 'new\n');
    put(stage, '.nx/cache/run.json', '{}');
    put(stage, '.git/HEAD', 'ref: refs/heads/main\n');
    for (const kept of KEPT) put(stage, `${kept}/output`, 'built\n');
    syncStage(repo, stage, FILES);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has exactly the repository’s bytes and modes again', () => {
    for (const f of FILES) {
      expect(readFileSync(join(stage, f), 'utf8'), f).toBe(`${f}\n`);
      expect(statSync(join(stage, f)).mode, f).toBe(statSync(join(repo, f)).mode);
    }
  });

  it('a file a spec edited is newer than anything built before; unchanged files keep their mtime', () => {
    expect(statSync(join(stage, 'rust/src/lib.rs')).mtime.getTime()).toBeGreaterThan(PAST.getTime());
    expect(statSync(join(stage, 'rust/Cargo.toml')).mtime).toEqual(PAST);
  });

  it('deletes what the repository does not have (Nx’s cache, git history, new files) and keeps the build outputs', () => {
    for (const gone of ['rust/src/extra.rs', '.nx', '.git']) expect(existsSync(join(stage, gone)), gone).toBe(false);
    for (const kept of KEPT) expect(readFileSync(join(stage, kept, 'output'), 'utf8'), kept).toBe('built\n');
  });

  it('gives each stage to one holder at a time: a second take gets the next stage', () => {
    const root = join(dir, 'checkout');
    const first = takeStage(root)!;
    const second = takeStage(root)!;
    expect(second).not.toBe(first);
    expect(releaseStage(first)).toBe(true);
    expect(takeStage(root)).toBe(first);
    for (const s of [first, second]) releaseStage(s);
    expect(releaseStage(first)).toBe(false);
    rmSync(stagesDir(root), { recursive: true, force: true });
  });
});
