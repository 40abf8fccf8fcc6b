/**
 * What Cargo and Python requirements share: the refusal of a requirement that
 * cannot be moved mechanically, and the window shape both write (`>=0.12, <0.13`).
 */

/**
 * How a requirement onto a released package moves: `fix` only when the new
 * version falls outside it (what `cargo update` needs); `upgrade` to the new
 * version whenever its written components would change, as cargo-release
 * (`dependent-version = "upgrade"`, its default) and release-plz write it.
 */
export type RequirementPolicy = 'fix' | 'upgrade';

/**
 * A requirement that cannot be moved to the new version mechanically. It
 * knows no file: the caller wraps it in a ManifestError with the file and key.
 */
export class RequirementBumpError extends Error {
  constructor(
    readonly requirement: string,
    readonly version: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`version requirement \`${requirement}\` ${problem}. ${fix}`);
    this.name = 'RequirementBumpError';
  }
}

/**
 * A `>=L, <U` requirement is a window one unit wide in one component
 * (`>=0.12, <0.13`: one minor; `>=1.2.3, <2`: one major). Moving it onto a
 * version outside keeps that shape: the window that starts at the version,
 * at the precision the author wrote (`>=0.13, <0.14`). Shared by Cargo and
 * Python requirements, which write windows the same way. Pure.
 */
export function shiftWindow(
  lower: string[],
  upper: string[],
  target: number[],
): { lower: string[]; upper: string[] } | undefined {
  const pad = (parts: string[]) => [0, 1, 2].map((k) => Number(parts[k] ?? 0));
  const [l, u] = [pad(lower), pad(upper)];
  if ([...lower, ...upper].some((p) => !/^\d+$/.test(p))) return undefined;
  const k = u.findIndex((n, i) => n !== l[i]);
  // only a window of exactly one unit of component k is a shape we can keep
  if (k < 0 || u[k] !== l[k] + 1 || u.slice(k + 1).some((n) => n !== 0)) return undefined;
  const next = [0, 1, 2].map((i) => (i < k ? target[i] : i === k ? target[i] + 1 : 0));
  return {
    lower: target.slice(0, lower.length).map(String),
    upper: next.slice(0, Math.max(upper.length, k + 1)).map(String),
  };
}
