import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ManifestCache, subdirectories } from '../../manifest-cache';
import { CargoManifest, parseCargoManifest } from '../cargo-manifest';
import { CargoWorkspace, loadCargoWorkspaces, memberForDependency } from '../cargo-workspace';
import type { CargoFiles } from '../workspace-members';

/**
 * What `cargo metadata --no-deps` says about a workspace, reduced to what the
 * model claims to know: the members and the edges between them. Both sides of
 * the comparison are brought to this shape.
 */
export interface WorkspaceFacts {
  root: string;
  packages: Array<{ name: string; version: string; manifest_path: string; publish: string[] | null }>;
  edges: Array<{
    from: string;
    to: string;
    rename: string | null;
    kind: null | 'dev' | 'build';
    target: string | null;
  }>;
}

export const FIXTURES_DIR = __dirname;

/** The fixture's workspace root: its top Cargo.toml, or `workspace/Cargo.toml` when crates sit beside the workspace. */
export function fixtureRootManifest(fixture: string): string {
  const dir = join(FIXTURES_DIR, fixture);
  return readdirSync(dir).includes('Cargo.toml') ? join(dir, 'Cargo.toml') : join(dir, 'workspace', 'Cargo.toml');
}

interface Metadata {
  workspace_root: string;
  workspace_members: string[];
  packages: Array<{
    id: string;
    name: string;
    version: string;
    manifest_path: string;
    publish: string[] | null;
    dependencies: Array<{
      name: string;
      rename: string | null;
      kind: null | 'dev' | 'build';
      target: string | null;
      path?: string;
    }>;
  }>;
}

/** Runs the real tool; cwd is the workspace so its `.cargo/config.toml` applies. */
export function cargoMetadata(rootManifest: string): WorkspaceFacts {
  const stdout = execFileSync(
    'cargo',
    ['metadata', '--no-deps', '--format-version', '1', '--offline', '--manifest-path', rootManifest],
    {
      cwd: dirname(rootManifest),
      encoding: 'utf8',
      env: { ...process.env, CARGO_TERM_COLOR: 'never' },
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const metadata = JSON.parse(stdout) as Metadata;
  const members = metadata.packages.filter((p) => metadata.workspace_members.includes(p.id));
  const byDir = new Map(members.map((p) => [dirname(p.manifest_path), p.name]));
  return normalize({
    root: metadata.workspace_root,
    packages: members.map(({ name, version, manifest_path, publish }) => ({ name, version, manifest_path, publish })),
    edges: members.flatMap((p) =>
      p.dependencies
        .filter((d) => d.path !== undefined && byDir.has(d.path))
        .map((d) => ({
          from: p.name,
          to: byDir.get(d.path as string) as string,
          rename: d.rename,
          kind: d.kind,
          target: d.target,
        })),
    ),
  });
}

/** The same facts, from the in-process model. */
export function modelFacts(workspace: CargoWorkspace): WorkspaceFacts {
  return normalize({
    root: dirname(workspace.rootManifest),
    packages: workspace.members.map((p) => ({
      name: p.name,
      version: p.version,
      manifest_path: p.manifestPath,
      publish: p.publish,
    })),
    edges: workspace.members.flatMap((p) =>
      p.dependencies.flatMap((d) => {
        const to = memberForDependency(d, workspace.members);
        return to
          ? [
              {
                from: p.name,
                to: to.name,
                rename: d.rename,
                kind: d.kind === 'normal' ? null : d.kind,
                target: d.target,
              },
            ]
          : [];
      }),
    ),
  });
}

/** The real file system, as the plugin reads it (an in-memory manifest cache, no cache file). */
export function realCargoFiles(): CargoFiles & { cache: ManifestCache<CargoManifest> } {
  const cache = new ManifestCache(parseCargoManifest);
  return { cache, manifest: (f) => cache.get(f), subdirectories };
}

/** Every Cargo.toml under `dir`, as Nx would hand them to the plugin (no `target/`, no hidden tool directories). */
export function findCargoManifests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory())
      return ['target', 'node_modules', '.git'].includes(e.name) ? [] : findCargoManifests(join(dir, e.name));
    return e.name === 'Cargo.toml' ? [join(dir, e.name)] : [];
  });
}

/** The model's workspace rooted at `rootManifest`, loaded from every manifest under `searchDir`. */
export function loadModelWorkspace(rootManifest: string, searchDir = dirname(rootManifest)): CargoWorkspace {
  const workspaces = loadCargoWorkspaces(findCargoManifests(searchDir), realCargoFiles());
  const workspace = workspaces.find((w) => w.rootManifest === rootManifest);
  if (!workspace) throw new Error(`the model found no workspace rooted at ${rootManifest}`);
  return workspace;
}

/** The model's workspace for a fixture, seeing every manifest of the fixture folder (crates beside the workspace too). */
export function loadFixtureWorkspace(fixture: string): CargoWorkspace {
  return loadModelWorkspace(fixtureRootManifest(fixture), join(FIXTURES_DIR, fixture));
}

function normalize(facts: WorkspaceFacts): WorkspaceFacts {
  const edgeKey = (e: WorkspaceFacts['edges'][number]) =>
    JSON.stringify([e.from, e.to, e.kind ?? '', e.target ?? '', e.rename ?? '']);
  return {
    root: facts.root,
    packages: [...facts.packages].sort((a, b) => a.name.localeCompare(b.name)),
    edges: [...facts.edges].sort((a, b) => (edgeKey(a) < edgeKey(b) ? -1 : edgeKey(a) > edgeKey(b) ? 1 : 0)),
  };
}
