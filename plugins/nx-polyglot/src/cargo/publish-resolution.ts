import type { ProjectGraph } from '@nx/devkit';
import { relative } from 'node:path';
import { ManifestError } from '../manifest-error';
import { cratesIoIndex } from './cargo-config';
import type { CargoPackage, CargoWorkspace } from './cargo-workspace';
import { IndexName, checkDependencyResolution, registryDependencies, resolutionReport } from './dependency-resolution';
import { IndexSource } from './index-source';
import { crateKey, rehearsalSources, startRehearsalIndex, steadyPort } from './rehearsal-index';
import { IndexEntry, RegistryError, SparseIndex } from './sparse-index';

/**
 * What a cargo publish run needs before its first upload to know that cargo
 * will resolve every crate it uploads, and the cargo arguments that make it
 * resolve them where the run means: for a rehearsal (`replacesCratesIo`), the
 * rehearsal index stands in for crates.io (the repository's crates from the
 * local registry, the rest from crates.io); otherwise cargo's own crates.io.
 * The publish executor calls it once per run and closes it when the run ends.
 */
export interface CargoResolution {
  /** `cargo publish` arguments (the crates.io stand-in of a rehearsal; none otherwise). */
  cargoArgs: string[];
  close(): Promise<void>;
}

/** The names of every crate of the repository, as the plugin's Cargo model put them in the project graph. */
export function repositoryCrates(graph: ProjectGraph | undefined): string[] {
  return Object.values(graph?.nodes ?? {})
    .map((node) => (node.data.metadata as { cargo?: { package?: unknown } } | undefined)?.cargo?.package)
    .filter((name): name is string => typeof name === 'string');
}

/**
 * Starts what the run resolves through and checks that each third-party
 * dependency of `uploads` resolves there; a string is the report of why
 * nothing may be uploaded (nothing is left running then).
 */
export async function prepareCargoResolution(run: {
  registry: string;
  replacesCratesIo?: boolean;
  /** Where cargo runs: its config files are found from there. */
  configDir: string;
  /** The Nx workspace root, for the report's file names. */
  root: string;
  uploads: ReadonlyArray<{ crate: CargoPackage; workspace: CargoWorkspace }>;
  ourCrates: readonly string[];
}): Promise<CargoResolution | string> {
  const ours = new Set([...run.ourCrates, ...run.uploads.map((u) => u.crate.name)].map(crateKey));
  let cratesIo: (crate: string) => Promise<IndexEntry[]>;
  let cratesIoLabel: string;
  let resolution: CargoResolution = { cargoArgs: [], close: () => Promise.resolve() };
  if (run.replacesCratesIo) {
    const sources = rehearsalSources(run.registry, run.configDir);
    if (sources instanceof Error) return `${sources.message}\n`;
    const index = await startRehearsalIndex(sources, ours, steadyPort(sources.local.url));
    cratesIo = (crate) => index.versions(crate);
    cratesIoLabel = sources.upstream.label;
    resolution = {
      // the stand-in's name is what cargo prints for crates it downloads from it
      cargoArgs: [
        '--config',
        'source.crates-io.replace-with="nx-polyglot-stand-in"',
        '--config',
        `source.nx-polyglot-stand-in.registry="sparse+${index.url}"`,
      ],
      close: () => index.close(),
    };
  } else {
    const upstream = cratesIoIndex(run.configDir);
    if (upstream instanceof ManifestError) return `${upstream.message}\n`;
    const source = new IndexSource(upstream.source, upstream.index);
    cratesIo = (crate) => source.entries(crate);
    cratesIoLabel = upstream.source;
  }
  const lookup = (index: IndexName, crate: string) =>
    index === null ? cratesIo(crate) : new SparseIndex(index, process.env, undefined, run.configDir).versions(crate);
  const label = (index: IndexName) => (index === null ? cratesIoLabel : `the Cargo registry \`${index}\``);
  try {
    const deps = registryDependencies(run.uploads, (name) => ours.has(crateKey(name)));
    const problems = await checkDependencyResolution(deps, lookup, label);
    if (problems.length === 0) return resolution;
    await resolution.close();
    return resolutionReport(problems, (file) => relative(run.root, file));
  } catch (e) {
    await resolution.close();
    if (e instanceof RegistryError) return `Nothing was published: ${e.message}\n`;
    throw e;
  }
}
