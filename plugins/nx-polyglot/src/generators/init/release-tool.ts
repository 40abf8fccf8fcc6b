/**
 * The release tool a repository already releases its crates with, read from
 * its configuration, and what that tool does that `nx release` must do alike:
 * cargo-release (`release.toml`) and release-plz (`release-plz.toml`) release
 * the crates chosen, not their dependents, and write the new version into
 * every requirement onto a released crate (cargo-release's
 * `dependent-version`, "upgrade" by default). Pure.
 */
export interface ReleaseConventions {
  requirements: 'fix' | 'upgrade';
  updateDependents: 'never';
  /** For the report: the file and what it says. */
  reason: string;
}

export function releaseConventions(files: Record<string, string | undefined>): ReleaseConventions | undefined {
  const plz = Object.keys(files).find((f) => /(^|\/)\.?release-plz\.toml$/.test(f) && files[f] !== undefined);
  if (plz) {
    return {
      requirements: 'upgrade',
      updateDependents: 'never',
      reason: `${plz}: release-plz writes each new version into the requirements onto it and releases no crate for its dependencies alone`,
    };
  }
  const cargoRelease = Object.keys(files).find((f) => /(^|\/)release\.toml$/.test(f) && files[f] !== undefined);
  if (!cargoRelease) return undefined;
  const written = /^\s*dependent-version\s*=\s*"([a-z]+)"/m.exec(files[cargoRelease] ?? '')?.[1] ?? 'upgrade';
  return {
    requirements: written === 'upgrade' ? 'upgrade' : 'fix',
    updateDependents: 'never',
    reason: `${cargoRelease}: cargo-release's dependent-version is "${written}"${written === 'upgrade' ? '' : ' (requirements move only when a release falls outside them)'}, and it releases no crate for its dependencies alone`,
  };
}
