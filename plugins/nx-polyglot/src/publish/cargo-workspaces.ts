import { join } from 'node:path';
import { CargoWorkspace, loadCargoWorkspaces } from '../cargo/cargo-workspace';
import { diskSource } from '../release/manifest-source';

/**
 * The Cargo root at `cwd` (a workspace, or a standalone crate beside it) that
 * the cargo publish executors publish from, read from the disk through the
 * same source as the release manifests (the manifest caches createNodes
 * fills), so bump, version-check, the VersionActions and the publish see one
 * model.
 */
export function readCargoWorkspace(root: string, cwd: string): CargoWorkspace {
  return loadCargoWorkspaces([join(root, cwd, 'Cargo.toml')], diskSource().cargo)[0];
}
