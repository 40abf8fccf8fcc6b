import { execa } from 'execa';

/** The part of `cargo metadata --no-deps` the end-to-end tests compare the plugin with. */
export interface MetadataPackage {
  name: string;
  version: string;
  manifest_path: string;
  /** null: any registry; []: `publish = false` */
  publish: string[] | null;
  dependencies: Array<{ name: string; kind: 'dev' | 'build' | null; req: string; path?: string }>;
}

/**
 * The workspace's packages as cargo itself reads them, offline. `locked`
 * also fails when Cargo.lock disagrees with the manifests, as a release must not.
 */
export async function cargoMetadata(dir: string, { locked = false } = {}): Promise<MetadataPackage[]> {
  const args = ['metadata', '--no-deps', '--format-version', '1', '--offline', ...(locked ? ['--locked'] : [])];
  const { stdout } = await execa('cargo', args, { cwd: dir });
  return (JSON.parse(stdout) as { packages: MetadataPackage[] }).packages;
}

/** Whether a package is published at all: cargo's `publish = false` is an empty registry list. */
export const isPublished = (p: MetadataPackage) => p.publish === null || p.publish.length > 0;

/** Each package's path dependencies on other packages of the same workspace (any kind). */
export function pathDependencies(packages: MetadataPackage[]): Map<string, MetadataPackage['dependencies']> {
  const names = new Set(packages.map((p) => p.name));
  return new Map(packages.map((p) => [p.name, p.dependencies.filter((d) => d.path && names.has(d.name))]));
}
