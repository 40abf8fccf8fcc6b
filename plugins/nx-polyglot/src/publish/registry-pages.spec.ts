import { describe, expect, it } from 'vitest';
import { publishedPage, registryUrl } from './registry-pages';

const cwd = '/nonexistent';
const rec = (ecosystem: 'cargo' | 'python' | 'npm', registry: string, name = 'micromegas') => ({
  ecosystem,
  registry,
  name,
  version: '0.12.0',
});

describe('publishedPage', () => {
  it("uses the public registries' own pages", () => {
    expect(publishedPage(rec('cargo', 'crates-io'), {}, cwd)).toBe('https://crates.io/crates/micromegas/0.12.0');
    expect(publishedPage(rec('python', 'pypi', 'Micromegas_Client'), {}, cwd)).toBe(
      'https://pypi.org/project/micromegas-client/0.12.0/',
    );
    expect(publishedPage(rec('npm', 'https://registry.npmjs.org/', 'nx-polyglot'), {}, cwd)).toBe(
      'https://www.npmjs.com/package/nx-polyglot/v/0.12.0',
    );
  });

  it('maps a /legacy/ upload URL to the repository its simple index belongs to, as the publish does', () => {
    const env = { POETRY_REPOSITORIES_TESTPYPI_URL: 'https://test.pypi.org/legacy/' };
    expect(publishedPage(rec('python', 'testpypi'), env, cwd)).toBe('https://test.pypi.org/project/micromegas/0.12.0/');
    const devpi = { POETRY_REPOSITORIES_DEVPI_URL: 'https://devpi.example/root/prod/legacy/' };
    // not `.../legacy/simple/micromegas/`: the index the publish asked
    expect(publishedPage(rec('python', 'devpi'), devpi, cwd)).toBe(
      'https://devpi.example/root/prod/simple/micromegas/',
    );
  });

  it("points at the configured index's entry for a local registry", () => {
    const env = {
      CARGO_REGISTRIES_LOCAL_INDEX: 'sparse+http://127.0.0.1:8000/api/v1/crates/',
      POETRY_REPOSITORIES_LOCAL_URL: 'http://127.0.0.1:8080',
    };
    expect(publishedPage(rec('cargo', 'local', 'micromegas-transit'), env, cwd)).toBe(
      'http://127.0.0.1:8000/api/v1/crates/mi/cr/micromegas-transit',
    );
    expect(publishedPage(rec('python', 'local'), env, cwd)).toBe('http://127.0.0.1:8080/simple/micromegas/');
    expect(publishedPage(rec('npm', 'http://127.0.0.1:4873', 'nx-polyglot'), env, cwd)).toBe(
      'http://127.0.0.1:4873/nx-polyglot',
    );
  });
});

describe('registryUrl', () => {
  it('names every registry by its URL, the record’s name when none is configured', () => {
    const env = {
      CARGO_REGISTRIES_LOCAL_INDEX: 'sparse+http://127.0.0.1:8000/api/v1/crates/',
      POETRY_REPOSITORIES_LOCAL_URL: 'http://127.0.0.1:8080/',
      NPM_CONFIG_REGISTRY: 'http://127.0.0.1:4873/',
    };
    expect(registryUrl(rec('cargo', 'local'), env, cwd)).toBe('http://127.0.0.1:8000/api/v1/crates/');
    expect(registryUrl(rec('python', 'local'), env, cwd)).toBe('http://127.0.0.1:8080/');
    expect(registryUrl(rec('npm', 'NPM_CONFIG_REGISTRY'), env, cwd)).toBe('http://127.0.0.1:4873/');
    expect(registryUrl(rec('cargo', 'nowhere'), {}, cwd)).toBe('nowhere');
    expect(registryUrl(rec('python', 'nowhere'), {}, cwd)).toBe('nowhere');
  });
});
