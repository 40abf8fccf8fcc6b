/**
 * Cargo.lock as `cargo update --workspace` rewrites it when the only change
 * is the version of packages it locks without a source (workspace members and
 * path dependencies): each such `[[package]]` entry's `version` set to its
 * manifest's, every other byte kept. The bump journal records it before cargo
 * runs, so that a rollback can tell cargo's output (even cut short) from a
 * user's edit.
 */
export function withLocalVersions(lock: string, versions: ReadonlyMap<string, string>): string {
  const lines = lock.split('\n');
  let block: { name?: string; versionLine?: number; sourced: boolean } | undefined;
  const close = () => {
    const version = block?.name === undefined ? undefined : versions.get(block.name);
    if (block && !block.sourced && version !== undefined && block.versionLine !== undefined) {
      lines[block.versionLine] = lines[block.versionLine].replace(/"[^"]*"/, JSON.stringify(version));
    }
  };
  lines.forEach((line, i) => {
    if (/^\s*\[/.test(line)) {
      close();
      block = /^\s*\[\[package\]\]\s*$/.test(line) ? { sourced: false } : undefined;
      return;
    }
    if (!block) return;
    const key = /^\s*(name|version|source)\s*=\s*"([^"]*)"/.exec(line);
    if (key?.[1] === 'name') block.name = key[2];
    else if (key?.[1] === 'version') block.versionLine = i;
    else if (key?.[1] === 'source') block.sourced = true;
  });
  close();
  return lines.join('\n');
}
