import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { noteSecret } from '../known-secrets';
import { ManifestError, isTable, parseToml } from '../manifest-error';
import { envName } from '../options';

/**
 * A registry's index URL and token where cargo finds them
 * (https://doc.rust-lang.org/cargo/reference/config.html): the environment
 * (`CARGO_REGISTRIES_<NAME>_INDEX`, `_TOKEN`) over the config files —
 * `.cargo/config.toml` (or `.cargo/config`) in the directory cargo runs in and
 * every parent, the deepest first, then `$CARGO_HOME/config.toml` — and, for
 * the token, `$CARGO_HOME/credentials.toml`, cargo's own credential store.
 */
export function registrySettings(
  registry: string,
  startDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { index?: string; token?: string; source: string } {
  const variable = `CARGO_REGISTRIES_${envName(registry)}`;
  const cargoHome = env.CARGO_HOME ?? join(homedir(), '.cargo');
  const configs = configFiles(startDir, env);
  const fromFiles = (files: string[], key: 'index' | 'token') => {
    for (const file of files) {
      const value = registryTable(file, registry)?.[key];
      if (typeof value === 'string') return { value, file };
    }
    return undefined;
  };
  const index =
    env[`${variable}_INDEX`] !== undefined
      ? { value: env[`${variable}_INDEX`] as string, file: variable + '_INDEX' }
      : fromFiles(configs, 'index');
  const token =
    env[`${variable}_TOKEN`] ??
    fromFiles([join(cargoHome, 'credentials.toml'), join(cargoHome, 'credentials'), ...configs], 'token')?.value;
  // a token from a file is a secret no variable names: hidden from now on in whatever this process prints
  noteSecret(token);
  return {
    index: index?.value,
    token,
    source: index?.file ?? `${variable}_INDEX or [registries.${registry}] index in .cargo/config.toml`,
  };
}

/** cargo's config files, the one that wins first: from `startDir` up, then `$CARGO_HOME`. */
function configFiles(startDir: string, env: NodeJS.ProcessEnv): string[] {
  const configs: string[] = [];
  for (let dir = startDir; ; dir = dirname(dir)) {
    configs.push(join(dir, '.cargo', 'config.toml'), join(dir, '.cargo', 'config'));
    if (dirname(dir) === dir) break;
  }
  const cargoHome = env.CARGO_HOME ?? join(homedir(), '.cargo');
  configs.push(join(cargoHome, 'config.toml'), join(cargoHome, 'config'));
  return configs;
}

function registryTable(file: string, registry: string): Record<string, unknown> | undefined {
  return configTable(file, 'registries', registry);
}

function configTable(file: string, section: string, name: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const doc = parseToml(text, file);
  const tables = isTable(doc[section]) ? doc[section] : undefined;
  const table = tables?.[name];
  return isTable(table) ? table : undefined;
}

export const CRATES_IO_INDEX = 'sparse+https://index.crates.io/';
const CRATES_IO_GIT_INDEX = 'https://github.com/rust-lang/crates.io-index';

/**
 * The index cargo fetches crates.io's crates from: crates.io's own, or the
 * mirror that `[source.crates-io] replace-with` names (followed through
 * further replacements, to a `[source.<name>] registry` or a
 * `[registries.<name>] index`). Source tables have no environment variables
 * (cargo reads them from files only). A replacement cargo cannot be served
 * through over HTTP (a vendored directory, a git index) is a ManifestError.
 */
export function cratesIoIndex(
  startDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { index: string; source: string } | ManifestError {
  const configs = configFiles(startDir, env);
  const first = (section: string, name: string, key: string) => {
    for (const file of configs) {
      const value = configTable(file, section, name)?.[key];
      if (value !== undefined) return { value, file };
    }
    return undefined;
  };
  const seen = new Set<string>();
  let name = 'crates-io';
  let replacedIn = '';
  for (;;) {
    seen.add(name);
    const replacement = first('source', name, 'replace-with');
    if (replacement === undefined) break;
    if (typeof replacement.value !== 'string' || seen.has(replacement.value)) {
      return new ManifestError(
        replacement.file,
        `is not a source name, or replaces in a cycle (${JSON.stringify(replacement.value)})`,
        'Name one source that is not itself replaced back',
        `source.${name}.replace-with`,
      );
    }
    name = replacement.value;
    replacedIn = replacement.file;
  }
  if (name === 'crates-io') return { index: CRATES_IO_INDEX, source: 'crates.io' };
  // replace-with may name a source or a registry
  const asRegistry = registrySettings(name, startDir, env);
  const index =
    first('source', name, 'registry') ??
    (asRegistry.index !== undefined ? { value: asRegistry.index, file: asRegistry.source } : undefined);
  const url = typeof index?.value === 'string' ? index.value : undefined;
  if (url === CRATES_IO_GIT_INDEX) return { index: CRATES_IO_INDEX, source: 'crates.io' };
  if (url?.startsWith('sparse+')) return { index: url, source: `source \`${name}\` (${index!.file})` };
  const file = index?.file ?? replacedIn;
  return new ManifestError(
    file,
    `replaces crates.io with \`${name}\`, which is not a sparse index (${url ?? 'a vendored or local source'})`,
    'A rehearsal serves the crates of crates.io through a local HTTP index, so it needs an HTTP one: point the replacement at a sparse+https:// mirror',
    url !== undefined ? `source.${name}.registry` : `source.${name}`,
  );
}
