import { describe, expect, it } from 'vitest';
import { proposeRegistries } from './registries';

describe('the registries a repository publishes to', () => {
  it('takes the one Cargo registry and the one Poetry repository it names, and reports npm’s', () => {
    const { publish, notes } = proposeRegistries({
      cargoConfig: '[registries.kellnr]\nindex = "sparse+http://127.0.0.1:8000/api/v1/crates/"\n',
      poetryToml: '[repositories.internal]\nurl = "http://127.0.0.1:8080/"\n',
      pyprojects: [
        {
          file: 'pyproject.toml',
          text: '[tool.poetry]\nname = "a"\n\n[[tool.poetry.source]]\nname = "mirror"\nurl = "http://x/simple/"\n',
        },
      ],
      npmrc: 'registry=http://127.0.0.1:4873/\n',
    });
    expect(publish).toEqual({ cargo: { registry: 'kellnr' }, python: { repository: 'internal' } });
    expect(notes).toContain('npm packages publish to http://127.0.0.1:4873/, as .npmrc says (npm reads it itself)');
  });

  it('names several candidates instead of choosing, and ignores PyPI itself', () => {
    const { publish, notes } = proposeRegistries({
      cargoConfig: '[registries.a]\nindex = "x"\n[registries.b]\nindex = "y"\n',
      pyprojects: [
        {
          file: 'pyproject.toml',
          text: '[[tool.poetry.source]]\nname = "PyPI"\npriority = "primary"\n\n[[tool.poetry.source]]\nname = "corp"\nurl = "http://corp/"\n',
        },
      ],
    });
    expect(publish).toEqual({ python: { repository: 'corp' } });
    expect(notes[0]).toMatch(
      /names the registries a, b: choose one in nx\.json plugins\[\]\.options\.publish\.cargo\.registry/,
    );
  });
});
