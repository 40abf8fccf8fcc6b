import DefaultChangelogRenderer from 'nx/release/changelog-renderer';
import { workspaceRoot } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sectionBody } from './changelog';

/**
 * The changelog renderer for `nx release` in a repository that keeps its
 * CHANGELOG.md by hand (nx.json
 * `release.changelog.workspaceChangelog.renderer`): the entry is the
 * release's section of CHANGELOG.md, in whatever style the file writes its
 * headings (changelog-style.ts), else the unreleased section about to become
 * it — instead of one built from
 * conventional commits, which such repositories do not write. Used with
 * `"file": false`, Nx leaves CHANGELOG.md to the release step and this text
 * goes only where Nx sends it (the GitHub release, with `createRelease`).
 */
export default class KeepAChangelogRenderer extends DefaultChangelogRenderer {
  override async render(): Promise<string> {
    const file = join(workspaceRoot, 'CHANGELOG.md');
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const body = sectionBody(text, this.changelogEntryVersion) ?? sectionBody(text, 'Unreleased');
    return `## ${this.changelogEntryVersion}\n\n${body || '- No notable changes.'}`;
  }
}
