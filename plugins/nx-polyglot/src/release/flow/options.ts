import type { CreateReleaseConfig } from './github-remote';

/** The release-flow executor's options (executors/release-flow.schema.json). */
export interface ReleaseFlowOptions {
  /**
   * release: the version on disk; post-release: bump and reopen the changelog; rollback: yank a version;
   * github-release: create the GitHub release of a released version from its notes file.
   */
  step: 'release' | 'post-release' | 'rollback' | 'github-release';
  /** post-release: the next version (default: next minor). */
  to?: string;
  /** rollback, github-release: the version (default: on disk). */
  vers?: string;
  /** rollback: un-yank. */
  undo?: boolean;
  /** The product name in the release notes' title. */
  product?: string;
  /** Where the release notes go, relative to the workspace root. */
  notesDir?: string;
  /**
   * Where the GitHub release is created when GITHUB_TOKEN or GH_TOKEN is set, in nx.json's
   * `createRelease` shapes (default 'github'); false: only the notes file.
   */
  createRelease?: CreateReleaseConfig | false;
  /** The git remote naming the GitHub repository, pushed to before the release is created. */
  gitRemote?: string;
  dryRun?: boolean;
}
