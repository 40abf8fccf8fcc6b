import type { ExecutorContext, TargetConfiguration } from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Options written in a target's configuration (project.json, nx.json
 * `targetDefaults`) that its executor does not know, such as `strictt: true`.
 * The cargo and exec schemas cannot refuse unknown keys themselves: what a
 * user types after the target (`nx run crate:test -- --nocapture`) reaches
 * the options too and is the program's, so those schemas let unknown keys
 * through and the executor judges only what the configuration wrote.
 */
export function unknownConfiguredOptions(
  executor: 'cargo' | 'exec',
  target: TargetConfiguration | undefined,
  configuration: string | undefined,
): string[] {
  const known = Object.keys(schemaProperties(executor));
  const written = {
    ...target?.options,
    ...(configuration ? target?.configurations?.[configuration] : undefined),
  };
  return Object.keys(written).filter((key) => !known.includes(key));
}

/** What to print for them: the options, where they were written, and what the executor knows. */
export function unknownOptionsMessage(
  executor: 'cargo' | 'exec',
  project: string,
  target: string,
  unknown: string[],
): string {
  const known = Object.keys(schemaProperties(executor)).join(', ');
  const list = unknown.map((u) => `\`${u}\``).join(', ');
  return (
    `${project}:${target}: ${list} ${unknown.length > 1 ? 'are not options' : 'is not an option'} of nx-polyglot:${executor} ` +
    `(written in the target's options in project.json, package.json or nx.json targetDefaults). ` +
    `Its options: ${known}. Fix the spelling or remove it; arguments for the program go in \`${executor === 'cargo' ? 'args' : 'argv'}\`.\n`
  );
}

/** The target's configuration as Nx resolved it, for a task run in a batch. */
export function targetOf(context: ExecutorContext, project: string, target: string): TargetConfiguration | undefined {
  return context.projectsConfigurations?.projects[project]?.targets?.[target];
}

const cache = new Map<string, Record<string, unknown>>();
/** From executors/<name>.schema.json: `src/executors` and `dist/executors` both sit two levels below the package. */
function schemaProperties(executor: string): Record<string, unknown> {
  if (!cache.has(executor)) {
    const schema = JSON.parse(
      readFileSync(join(__dirname, '..', '..', 'executors', `${executor}.schema.json`), 'utf8'),
    );
    cache.set(executor, schema.properties ?? {});
  }
  return cache.get(executor) as Record<string, unknown>;
}
