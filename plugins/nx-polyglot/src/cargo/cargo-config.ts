import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { isTable, parseToml } from '../manifest-error';
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
  const configs: string[] = [];
  for (let dir = startDir; ; dir = dirname(dir)) {
    configs.push(join(dir, '.cargo', 'config.toml'), join(dir, '.cargo', 'config'));
    if (dirname(dir) === dir) break;
  }
  configs.push(join(cargoHome, 'config.toml'), join(cargoHome, 'config'));
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
  return {
    index: index?.value,
    token,
    source: index?.file ?? `${variable}_INDEX or [registries.${registry}] index in .cargo/config.toml`,
  };
}

function registryTable(file: string, registry: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const doc = parseToml(text, file);
  const registries = isTable(doc.registries) ? doc.registries : undefined;
  const table = registries?.[registry];
  return isTable(table) ? table : undefined;
}
