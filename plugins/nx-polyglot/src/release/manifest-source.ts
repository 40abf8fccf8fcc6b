import type { Tree } from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CargoManifest, parseCargoManifest } from '../cargo/cargo-manifest';
import type { CargoFiles } from '../cargo/workspace-members';
import { cargoFiles, manifestCaches } from '../polyglot-model';
import { PythonPackage, parsePyproject } from '../python/pyproject';

/**
 * Where the release reads its manifests: the disk (bump, version-check, the
 * release steps) or the Tree Nx release edits in memory (VersionActions), so
 * that both see the same model through the same loader.
 */
export interface ManifestSource {
  cargo: CargoFiles;
  /** The Python package of a pyproject.toml, or undefined when there is no such file. */
  pyproject(file: string): PythonPackage | undefined;
  /** A file's text, or undefined when there is no such file. */
  text(file: string): string | undefined;
}

/** The disk, through the manifest caches createNodes fills (an unchanged manifest is not parsed again). */
export function diskSource(): ManifestSource {
  const { python } = manifestCaches();
  return {
    cargo: cargoFiles(),
    pyproject: (file) => python.get(file)?.package ?? undefined,
    text: (file) => {
      try {
        return readFileSync(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
  };
}

// parsed once per content: Nx asks every project's VersionActions for the whole release group
const parsedCargo = new Map<string, { text: string; manifest: CargoManifest }>();

/** Nx's Tree (paths absolute, under `root`): what `nx release version` has written so far, not yet on disk. */
export function treeSource(tree: Tree, root: string): ManifestSource {
  const text = (file: string) => {
    const rel = relative(root, file);
    return tree.exists(rel) && tree.isFile(rel) ? (tree.read(rel, 'utf-8') as string) : undefined;
  };
  return {
    cargo: {
      manifest: (file) => {
        const t = text(file);
        if (t === undefined) return undefined;
        const hit = parsedCargo.get(file);
        if (hit?.text === t) return hit.manifest;
        const manifest = parseCargoManifest(t, file);
        parsedCargo.set(file, { text: t, manifest });
        return manifest;
      },
      subdirectories: (dir) => {
        const rel = relative(root, dir);
        return rel === '' || tree.exists(rel) ? tree.children(rel).filter((c) => !tree.isFile(join(rel, c))) : [];
      },
    },
    pyproject: (file) => {
      const t = text(file);
      return t === undefined ? undefined : parsePyproject(t, file);
    },
    text,
  };
}
