import type { NxJsonConfiguration, PluginConfiguration } from '@nx/devkit';
import type { JsonPath } from './json-edit';
import type { PublishOptions } from '../../options';
import { addToJson, readJsonText } from './json-edit';
import type { ReleaseShape } from './release-shape';
import type { ReleaseConventions } from './release-tool';

export const VERSION_ACTIONS = 'nx-polyglot/dist/release/version-actions.js';
export const CHANGELOG_RENDERER = 'nx-polyglot/dist/release/changelog-renderer.js';

export interface NxJsonChange {
  /** The new text, or undefined when nothing changes. */
  text: string | undefined;
  /** What was added, and what was found and left alone: one line each. */
  added: string[];
  kept: string[];
}

/**
 * nx.json with what the plugin needs and the repository lacks: the plugin
 * registered (with the registries found), and the release shape when there is
 * no release configuration. An existing plugin entry or release
 * configuration is the user's and stays as it is. `merged` is nx.json with
 * its `extends` applied; only the file's own text is edited.
 */
export function planNxJson(
  text: string | undefined,
  merged: NxJsonConfiguration | null,
  proposal: {
    publish: PublishOptions;
    shape: ReleaseShape;
    changelog: { root: boolean; projects: boolean };
    conventions?: ReleaseConventions;
  },
): NxJsonChange {
  const own = readJsonText(text) ?? {};
  const additions: Array<[JsonPath, unknown]> = [];
  const added: string[] = [];
  const kept: string[] = [];
  const plugins: PluginConfiguration[] = merged?.plugins ?? [];
  if (plugins.some((p) => (typeof p === 'string' ? p : p.plugin) === 'nx-polyglot')) {
    kept.push('nx-polyglot is registered: its entry is left as it is');
  } else {
    const entry = Object.keys(proposal.publish).length
      ? { plugin: 'nx-polyglot', options: { publish: proposal.publish } }
      : 'nx-polyglot';
    // an `extends`ed list is replaced by the file's own, so the file gets the whole list
    if (own.plugins === undefined) additions.push([['plugins'], [...plugins, entry]]);
    else additions.push([['plugins', -1], entry]);
    added.push(`registered nx-polyglot${typeof entry === 'string' ? '' : ' with its publish registries'}`);
  }
  const groups = Object.keys(proposal.shape.groups);
  if (merged?.release) {
    kept.push('the release configuration is left as it is');
  } else if (groups.length > 0) {
    additions.push([['release'], releaseConfig(proposal.shape, proposal.changelog, proposal.conventions)]);
    added.push(`release groups: ${proposal.shape.reasons.join('; ')}`);
    if (proposal.conventions)
      added.push(
        `requirements "${proposal.conventions.requirements}" and updateDependents "never", as ${proposal.conventions.reason}`,
      );
  }
  return { text: additions.length ? addToJson(text, additions) : undefined, added, kept };
}

/**
 * The release configuration of a shape: the groups, versioned by the plugin's
 * VersionActions. A hand-kept changelog is the user's: Nx would write its own
 * entries above the file's title, so Nx's file output is off and the
 * plugin's renderer reads the file's sections instead.
 */
export function releaseConfig(
  shape: ReleaseShape,
  changelog: { root: boolean; projects: boolean },
  conventions?: ReleaseConventions,
): NxJsonConfiguration['release'] {
  const groups = Object.values(shape.groups);
  // Nx keeps a workspace changelog only for one fixed group, per-project ones otherwise
  const workspaceLevel = groups.length === 1 && groups[0].projectsRelationship === 'fixed';
  return {
    groups: shape.groups,
    version: {
      versionActions: VERSION_ACTIONS,
      ...(conventions
        ? {
            versionActionsOptions: { requirements: conventions.requirements },
            updateDependents: conventions.updateDependents,
          }
        : {}),
    },
    changelog: {
      // the first release has no earlier tag to start from
      automaticFromRef: true,
      workspaceChangelog: !workspaceLevel
        ? false
        : changelog.root
          ? { file: false, renderer: CHANGELOG_RENDERER, createRelease: false }
          : { createRelease: false },
      projectChangelogs: workspaceLevel
        ? false
        : changelog.projects
          ? { file: false, renderer: CHANGELOG_RENDERER, createRelease: false }
          : { createRelease: false },
    },
  };
}
