import { describe, expect, it } from 'vitest';
import { releaseConventions } from './release-tool';

describe('releaseConventions: what the repository releases with today', () => {
  it("cargo-release: its default dependent-version, upgrade (toml-rs/toml's release.toml sets none)", () => {
    expect(releaseConventions({ 'release.toml': 'allow-branch = ["main"]\n' })).toMatchObject({
      requirements: 'upgrade',
      updateDependents: 'never',
    });
  });

  it('cargo-release with dependent-version = "fix" (or warn, error, ignore): requirements move only when outside', () => {
    expect(releaseConventions({ 'rust/release.toml': 'dependent-version = "fix"\n' })).toMatchObject({
      requirements: 'fix',
      reason: expect.stringMatching(/^rust\/release\.toml: cargo-release's dependent-version is "fix"/),
    });
  });

  it('release-plz (release-plz.toml or .release-plz.toml)', () => {
    expect(releaseConventions({ '.release-plz.toml': '[workspace]\n' })?.requirements).toBe('upgrade');
  });

  it('neither: nothing to adopt', () => {
    expect(releaseConventions({ 'release.toml': undefined })).toBeUndefined();
  });
});
