import { join } from 'node:path';
import { subdirectories } from '../manifest-cache';
import { manifestCaches } from '../polyglot-model';
import { CargoWorkspace, loadCargoWorkspaces } from '../cargo/cargo-workspace';

/**
 * The one place the cargo publish executors read manifests: the Cargo
 * workspace rooted at `cwd` (a workspace, or a standalone crate beside it),
 * through the plugin's manifest cache. Kept apart so that a release-manifest
 * loader can take its place.
 */
export function readCargoWorkspace(root: string, cwd: string): CargoWorkspace {
  const { cargo } = manifestCaches();
  return loadCargoWorkspaces([join(root, cwd, 'Cargo.toml')], { manifest: (f) => cargo.get(f), subdirectories })[0];
}
