/**
 * What the publish life needs from a registry, whatever the ecosystem: is
 * this version there, wait until it is visible, and the page of a published
 * version (for release notes). Implemented by the sparse-index client
 * (cargo/), the Python index client (python/) and the npm registry client
 * (npm/); failures are RegistryErrors.
 */
export interface RegistryClient {
  /** The registry's URL, as messages and publish locks name it. */
  readonly url: string;
  has(name: string, version: string): Promise<boolean>;
  /** Bounded poll until the version is listed; when it was (epoch ms). Throws a RegistryError on timeout. */
  waitUntilVisible(name: string, version: string, timeoutMs: number): Promise<number>;
  /** Where a person sees the published version. */
  pageUrl(name: string, version: string): string;
}
