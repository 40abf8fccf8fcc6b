import { isTable, parseToml } from '../../manifest-error';
import type { PublishOptions } from '../../options';

/** The files where a repository names the registries it publishes to (texts; undefined when absent). */
export interface RegistryFiles {
  cargoConfig?: string;
  /** Poetry's project-local configuration, where `[repositories.<name>]` are publish targets. */
  poetryToml?: string;
  pyprojects: Array<{ file: string; text: string }>;
  npmrc?: string;
}

export interface RegistryProposal {
  publish: PublishOptions;
  /** What was found and what was made of it, for the report. */
  notes: string[];
}

/**
 * The registries a repository already names, as the plugin's publish options:
 * a single `[registries.<name>]` of .cargo/config.toml, a single Poetry
 * repository (poetry.toml `[repositories.<name>]`, else the one non-PyPI
 * `[[tool.poetry.source]]`). Several candidates are named, not chosen. npm
 * reads .npmrc itself, so it is only reported.
 */
export function proposeRegistries(files: RegistryFiles): RegistryProposal {
  const publish: PublishOptions = {};
  const notes: string[] = [];
  const cargo = tableKeys(files.cargoConfig, '.cargo/config.toml', 'registries');
  if (cargo.length === 1) {
    publish.cargo = { registry: cargo[0] };
    notes.push(`crates publish to the registry \`${cargo[0]}\` of .cargo/config.toml`);
  } else if (cargo.length > 1) {
    notes.push(
      `.cargo/config.toml names the registries ${cargo.join(', ')}: choose one in nx.json plugins[].options.publish.cargo.registry`,
    );
  }
  const poetry = tableKeys(files.poetryToml, 'poetry.toml', 'repositories');
  const sources = [...new Set(files.pyprojects.flatMap(({ file, text }) => poetrySources(text, file)))];
  const python = poetry.length > 0 ? poetry : sources;
  const where = poetry.length > 0 ? 'poetry.toml [repositories]' : '[[tool.poetry.source]]';
  if (python.length === 1) {
    publish.python = { repository: python[0] };
    notes.push(`Python packages publish to the repository \`${python[0]}\` of ${where}`);
  } else if (python.length > 1) {
    notes.push(
      `${where} names ${python.join(', ')}: choose one in nx.json plugins[].options.publish.python.repository`,
    );
  }
  const npm = /^\s*registry\s*=\s*(\S+)/m.exec(files.npmrc ?? '');
  if (npm) notes.push(`npm packages publish to ${npm[1]}, as .npmrc says (npm reads it itself)`);
  return { publish, notes };
}

function tableKeys(text: string | undefined, file: string, key: string): string[] {
  if (text === undefined) return [];
  const table = parseToml(text, file)[key];
  return isTable(table) ? Object.keys(table) : [];
}

/** The named sources a Poetry project installs from, other than PyPI itself. */
function poetrySources(text: string, file: string): string[] {
  const tool = parseToml(text, file).tool;
  const poetry = isTable(tool) && isTable(tool.poetry) ? tool.poetry : undefined;
  const sources = Array.isArray(poetry?.source) ? poetry.source : [];
  return sources
    .map((s) => (isTable(s) && typeof s.name === 'string' ? s.name : undefined))
    .filter((n): n is string => n !== undefined && n.toLowerCase() !== 'pypi');
}
