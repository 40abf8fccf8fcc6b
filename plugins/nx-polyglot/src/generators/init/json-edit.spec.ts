import { describe, expect, it } from 'vitest';
import { addToJson } from './json-edit';

describe('adding to a JSON file the user wrote', () => {
  it('appends to a list and fills an existing object, every other byte kept', () => {
    const text = '{\n\t// ours\n\t"plugins": ["@nx/js"],\n\t"nx": { "targets": {} },\n\t"x": 1\n}\n';
    const out = addToJson(text, [
      [['plugins', -1], { plugin: 'nx-polyglot' }],
      [['nx', 'targets', 'bump'], { cache: false }],
    ]);
    expect(out).toBe(
      '{\n\t// ours\n\t"plugins": ["@nx/js", {"plugin":"nx-polyglot"}],\n\t"nx": { "targets": {\n\t\t"bump": {\n\t\t\t"cache": false\n\t\t}\n\t} },\n\t"x": 1\n}\n',
    );
  });
});
