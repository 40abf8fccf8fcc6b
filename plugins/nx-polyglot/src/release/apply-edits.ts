import { readFileSync, statSync } from 'node:fs';
import { ManifestError } from '../manifest-error';
import type { VersionEdit } from './bump-plan';
import { getTomlString, setTomlString } from './toml-edit';

/** package.json keeps its formatting too: only the top-level "version" string changes. */
function setPackageJsonVersion(text: string, edit: VersionEdit): string {
  // scan strings and nesting so that only the object's own "version" key matches
  let depth = 0;
  const stringEnd = (from: number) => {
    let i = from + 1;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    return i + 1;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      const end = stringEnd(i);
      const isVersionKey = depth === 1 && text.slice(i, end) === '"version"' && /^\s*:/.test(text.slice(end));
      if (isVersionKey) {
        const valueStart = text.indexOf('"', text.indexOf(':', end));
        const valueEnd = stringEnd(valueStart);
        if (JSON.parse(text.slice(valueStart, valueEnd)) !== edit.from) break;
        return text.slice(0, valueStart) + JSON.stringify(edit.to) + text.slice(valueEnd);
      }
      i = end - 1;
    }
  }
  throw new ManifestError(
    edit.file,
    `has no top-level version "${edit.from}"`,
    'Run the version check, then bump again',
    'version',
  );
}

/** One file's text with its version edits made, or a ManifestError if the file is not as the plan read it. */
export function editText(text: string, file: string, edits: VersionEdit[]): string {
  for (const e of edits) {
    if (file.endsWith('package.json')) {
      text = setPackageJsonVersion(text, e);
      continue;
    }
    const found = getTomlString(text, e.path, file);
    if (found !== e.from) {
      throw new ManifestError(
        file,
        `is ${JSON.stringify(found)}, not "${e.from}" as read a moment ago`,
        'Run the bump again',
        e.path.join('.'),
      );
    }
    text = setTomlString(text, e.path, e.to, file);
  }
  return text;
}

/** One file of a bump: its bytes before, and after the plan's edits. */
export interface FileChange {
  file: string;
  original: Buffer;
  updated: Buffer;
}

/**
 * Computes every edited file in memory (nothing is written here, so nothing
 * is written at all if one edit cannot be made) and refuses read-only files
 * (root ignores the mode bits, a release tool should not). The bump journals
 * the result and writes each file atomically (see bump-journal.ts).
 */
export function planFileContents(edits: VersionEdit[]): FileChange[] {
  const byFile = new Map<string, VersionEdit[]>();
  for (const e of edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  const changes: FileChange[] = [];
  for (const [file, fileEdits] of byFile) {
    if ((statSync(file).mode & 0o222) === 0) {
      throw new ManifestError(
        file,
        'is read-only, so the bump cannot write it; nothing was changed',
        'Make it writable and bump again',
      );
    }
    const original = readFileSync(file);
    changes.push({
      file,
      original,
      updated: Buffer.from(editText(original.toString('utf8'), file, fileEdits), 'utf8'),
    });
  }
  return changes;
}
