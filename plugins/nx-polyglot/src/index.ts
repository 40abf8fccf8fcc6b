import type { CreateNodes, NxPlugin } from '@nx/devkit';
import { workspaceRoot } from 'nx/src/utils/workspace-root';
import { createDependencies } from './create-dependencies';
import { createNodes as inferProjects } from './create-nodes';
import type { NxPolyglotOptions } from './options';
import { recoverWhileBuildingGraph } from './release/bump-journal';

export type { NxPolyglotOptions, TargetOptions } from './options';

// A bump killed half-way is rolled back as soon as Nx loads the plugin, before
// any plugin reads the manifests and lock files it may have left half-written,
// and again on every graph computation (the daemon loads the plugin once).
recoverWhileBuildingGraph(workspaceRoot);

export const createNodes: CreateNodes<NxPolyglotOptions> = [
  inferProjects[0],
  (files, options, context) => {
    recoverWhileBuildingGraph(context.workspaceRoot);
    return inferProjects[1](files, options, context);
  },
];
export { createDependencies };
/** @deprecated Nx renamed createNodesV2 to createNodes; kept for Nx versions that still look for it. */
export const createNodesV2 = createNodes;

const plugin: NxPlugin<NxPolyglotOptions> = { name: 'nx-polyglot', createNodes, createNodesV2, createDependencies };
export default plugin;
export const name = 'nx-polyglot';
