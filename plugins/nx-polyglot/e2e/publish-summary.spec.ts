import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './repo-copy';

const dir = mkdtempSync(join(tmpdir(), 'publish-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the publish summary of the main job (the plugin's nx-polyglot-publish-summary bin)", () => {
  it('names every registry one way, by its URL, whatever the ecosystem', async () => {
    const log = join(dir, 'publish.jsonl');
    const records = [
      {
        project: 'micromegas-transit',
        name: 'micromegas-transit',
        version: '0.12.0',
        ecosystem: 'cargo',
        registry: 'local',
        status: 'published',
        seconds: 1.2,
      },
      {
        project: 'python-micromegas',
        name: 'micromegas',
        version: '0.12.0',
        ecosystem: 'python',
        registry: 'local',
        status: 'skipped',
        seconds: 0.1,
      },
      {
        project: 'nx-polyglot',
        name: 'nx-polyglot',
        version: '0.1.0',
        ecosystem: 'npm',
        registry: 'http://127.0.0.1:4873/',
        status: 'published',
        seconds: 2,
      },
    ];
    writeFileSync(log, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const env = {
      CARGO_REGISTRIES_LOCAL_INDEX: 'sparse+http://127.0.0.1:8000/api/v1/crates/',
      POETRY_REPOSITORIES_LOCAL_URL: 'http://127.0.0.1:8080/',
    };
    const { stdout } = await execa('npx', ['--no-install', 'nx-polyglot-publish-summary', log], { env, cwd: repoRoot });
    const registries = stdout
      .split('\n')
      .slice(2, 5)
      .map((line) => line.split(/\s{2,}/)[2]);
    expect(registries).toEqual([
      'http://127.0.0.1:8000/api/v1/crates/',
      'http://127.0.0.1:8080/',
      'http://127.0.0.1:4873/',
    ]);
    expect(stdout).toMatch(/2 published, 1 skipped, 0 failed/);
  });
});
