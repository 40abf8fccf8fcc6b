/**
 * Whether the flow's output may carry colour, decided as Nx's terminal
 * output (picocolors) and chalk's supports-color decide it, with one
 * difference an Nx task needs: Nx gives every task it forks
 * `FORCE_COLOR=true` when the user set none, so inside a task that value says
 * nothing about the terminal. Nx runs a task it streams in a pseudo-terminal
 * when its own output is a terminal, so the task's `isTTY` is the honest
 * answer there.
 */
export function useColour(env: Record<string, string | undefined>, stdoutIsTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  // supports-color's "off" values; Nx's bin turns FORCE_COLOR=0 into NO_COLOR=1
  if (force === '0' || force === 'false') return false;
  // picocolors: NO_COLOR present wins over everything else
  if (env.NO_COLOR !== undefined) return false;
  const nxDefault = force === 'true' && env.NX_TASK_TARGET_PROJECT !== undefined;
  if (force !== undefined && !nxDefault) return true;
  // picocolors: a terminal that is not dumb, or a CI log (which renders colour)
  return (stdoutIsTTY && env.TERM !== 'dumb') || env.CI !== undefined;
}

/**
 * What the flow's child processes (a nested `nx run-many`, cargo, Poetry) get
 * so they decide colour as the flow did: nothing to add when colour is on
 * (they inherit Nx's FORCE_COLOR), Nx's own "off" otherwise — FORCE_COLOR=0,
 * which Nx's bin turns into NO_COLOR=1 for itself and passes on to its tasks,
 * and NO_COLOR=1 for the tools that read only that.
 */
export function childColourEnv(colour: boolean): Record<string, string> {
  return colour ? {} : { FORCE_COLOR: '0', NO_COLOR: '1' };
}
