import type { NxPlugin } from '@nx/devkit';
import { createDependencies } from './create-dependencies';
import { createNodes } from './create-nodes';
import type { NxPolyglotOptions } from './options';

export type { NxPolyglotOptions, TargetOptions } from './options';
export { createDependencies, createNodes };
/** @deprecated Nx renamed createNodesV2 to createNodes; kept for Nx versions that still look for it. */
export const createNodesV2 = createNodes;

const plugin: NxPlugin<NxPolyglotOptions> = { name: 'nx-polyglot', createNodes, createNodesV2, createDependencies };
export default plugin;
export const name = 'nx-polyglot';
