import type { ExecutorContext } from '@nx/devkit';
import { describe, expect, it } from 'vitest';
import { releaseGroup } from './release-manifests';

const node = (name: string, tags: string[], root = name) => ({ name, type: 'lib', data: { root, tags } });
const nodes = Object.fromEntries(
  [
    node('transit', ['lang:rust']),
    node('tracing', ['lang:rust']),
    node('http-gateway', ['lang:rust', 'server']),
    node('python-micromegas', ['lang:python']),
    node('web', []),
  ].map((n) => [n.name, n]),
);
const context = (release: unknown) =>
  ({ projectGraph: { nodes, dependencies: {} }, nxJsonConfiguration: { release } }) as unknown as ExecutorContext;
const names = (release: unknown) =>
  releaseGroup(context(release))
    .map((n) => n.name)
    .sort();

describe("releaseGroup: the projects nx release versions, by Nx's own matcher", () => {
  it('takes tags, names and globs from release.projects', () => {
    expect(names({ projects: ['tag:lang:rust', 'web'] })).toEqual(['http-gateway', 'tracing', 'transit', 'web']);
    expect(names({ projects: ['t*'] })).toEqual(['tracing', 'transit']);
  });

  it('honours ! exclusions', () => {
    expect(names({ projects: ['tag:lang:rust', '!tag:server'] })).toEqual(['tracing', 'transit']);
  });

  it('takes the union of release.groups', () => {
    expect(
      names({ groups: { rust: { projects: ['tag:lang:rust'] }, python: { projects: 'python-micromegas' } } }),
    ).toEqual(['http-gateway', 'python-micromegas', 'tracing', 'transit']);
  });

  it('is every project when nothing is configured', () => {
    expect(names(undefined)).toHaveLength(5);
  });

  it('refuses an entry that matches no project, naming it and the key', () => {
    expect(() => names({ projects: ['tag:lang:rust', 'analytics-web-app'] })).toThrow(
      'nx.json: `release.projects`: has `analytics-web-app`, which matches no project. Fix the name, tag or glob, or remove the entry',
    );
  });
});
