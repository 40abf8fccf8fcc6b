import { join } from 'node:path';
import { relayToStdout, runProcess } from '../../run-process';
import { CreateReleaseConfig, githubHost, githubSlug, githubTokenVariable, redactRemote } from './github-remote';

export type { CreateReleaseConfig } from './github-remote';

/** Where a release's notes go, decided before the release changes anything. */
export type GithubPlan = GithubCreate | { create: false; why: string; repository?: string } | { error: string };

export interface GithubCreate {
  create: true;
  createRelease: CreateReleaseConfig;
  gitRemote: string;
  /** the name of the variable Nx takes the token from */
  tokenVariable: string;
  /** https://<host>/<owner>/<repo> */
  repository: string;
  releaseUrl: string;
}

/**
 * GitHub (through nx release) when a token is set in GITHUB_TOKEN or GH_TOKEN,
 * the notes file otherwise. A token without a remote on the configured host
 * is an error: the release would otherwise end without the GitHub release it
 * was asked for.
 */
export async function planGithubRelease(input: {
  root: string;
  tag: string;
  createRelease: CreateReleaseConfig | false;
  gitRemote: string;
  env: Record<string, string | undefined>;
}): Promise<GithubPlan> {
  if (input.createRelease === false) return { create: false, why: 'createRelease is false' };
  const host = githubHost(input.createRelease);
  const remote = await runProcess('git', ['remote', 'get-url', input.gitRemote], { cwd: input.root });
  const url = remote.exitCode === 0 ? remote.output.trim() : undefined;
  const slug = url ? githubSlug(url, host) : undefined;
  const repository = slug ? `https://${host}/${slug}` : undefined;
  const tokenVariable = githubTokenVariable(input.env);
  if (!tokenVariable) return { create: false, why: 'neither GITHUB_TOKEN nor GH_TOKEN is set', repository };
  if (!repository) {
    const r = input.gitRemote;
    const fix = url
      ? `points at ${redactRemote(url)}, not a repository on ${host}. Point it at one (\`git remote set-url ${r} https://${host}/<owner>/<repo>.git\`)`
      : `does not exist. Add it (\`git remote add ${r} https://${host}/<owner>/<repo>.git\`)`;
    return {
      error:
        `${tokenVariable} is set, so the GitHub release would be created on ${host}, but git remote \`${r}\` ${fix}, ` +
        `name another remote with --gitRemote, configure createRelease for a GitHub Enterprise Server, or unset ${tokenVariable} to only write the notes.`,
    };
  }
  return {
    create: true,
    createRelease: input.createRelease,
    gitRemote: input.gitRemote,
    tokenVariable,
    repository,
    releaseUrl: `${repository}/releases/tag/${input.tag}`,
  };
}

/** What the child process needs; nothing secret: Nx reads the token from the environment it inherits. */
export interface GithubReleaseRequest {
  version: string;
  notesFile: string;
  createRelease: CreateReleaseConfig;
  gitRemote: string;
}

/**
 * Runs nx-github-release.js in a child process without standard input: when
 * the API refuses, Nx asks on the terminal whether to open a browser, which
 * would wait forever in an executor; without stdin the question ends the
 * child with Nx's failure code instead. Resolves to whether it succeeded.
 */
export async function runGithubRelease(
  root: string,
  plan: GithubCreate,
  version: string,
  notesFile: string,
): Promise<boolean> {
  const request: GithubReleaseRequest = {
    version,
    notesFile,
    createRelease: plan.createRelease,
    gitRemote: plan.gitRemote,
  };
  const child = await runProcess(process.execPath, [join(__dirname, 'nx-github-release.js'), JSON.stringify(request)], {
    cwd: root,
    onOutput: relayToStdout,
  });
  return child.exitCode === 0;
}
