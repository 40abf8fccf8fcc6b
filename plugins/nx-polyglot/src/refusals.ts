import { ManifestError } from './manifest-error';

/**
 * Every manifest one graph build refuses, so that Nx shows them all at once
 * instead of the first only (one round of fixes, not one per manifest). A
 * step that can go on without the manifest it refuses runs through `guard`:
 * its ManifestError is kept and the step gives `undefined`. A problem met
 * twice (a manifest read for the workspace and again for the member) is kept
 * once.
 */
export class Refusals {
  private readonly byMessage = new Map<string, ManifestError>();
  /** Manifests another manifest pulls in (a Cargo workspace's members): Nx's `exclude` cannot leave them out. */
  readonly pulledIn = new Set<string>();

  get all(): ManifestError[] {
    return [...this.byMessage.values()];
  }

  add(error: ManifestError): void {
    if (!this.byMessage.has(error.message)) this.byMessage.set(error.message, error);
  }

  guard<T>(step: () => T): T | undefined {
    try {
      return step();
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      this.add(e);
      return undefined;
    }
  }
}
