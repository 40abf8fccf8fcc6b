#!/usr/bin/env python3
"""Wall and CPU seconds of one command and every process it starts.

`/usr/bin/time` and Node's `process.resourceUsage()` see only children that
were waited for; Nx's plugin workers are not: Nx exits while they still run,
they are handed to init and their CPU is never counted (measured: `time`
reported 2.5 s CPU for `nx show projects` whose processes used 3.3 s). This
wrapper makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so
orphaned descendants are re-parented to it, waits for all of them, and then
reads RUSAGE_CHILDREN, which now holds every descendant. Wall is the time until
the command itself exits (what a user waits for); CPU is user + system of the
whole tree until its last process exits.

Usage: cpu-time.py LOG -- COMMAND...   (the command's output goes to LOG;
prints {"wall": s, "user": s, "sys": s} and exits with the command's status)
"""

import ctypes
import json
import os
import resource
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
STRAGGLER_GRACE_S = 120  # only stops a hang; workers exit within a second


def main() -> int:
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: cpu-time.py LOG -- COMMAND...")
    log, command = sys.argv[1], sys.argv[3:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit(f"cpu-time.py: prctl(PR_SET_CHILD_SUBREAPER) failed: {os.strerror(ctypes.get_errno())}")
    with open(log, "wb") as out:
        start = time.monotonic()
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status = os.waitpid(child.pid, 0)
        wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    # Reap the orphans (plugin workers finishing after Nx exited).
    deadline = time.monotonic() + STRAGGLER_GRACE_S
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            if time.monotonic() > deadline:
                sys.stderr.write(f"cpu-time.py: processes of {command} still running {STRAGGLER_GRACE_S} s after it exited; no CPU figure\n")
                return 125
            time.sleep(0.01)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"wall": round(wall, 4), "user": round(usage.ru_utime, 4), "sys": round(usage.ru_stime, 4)}))
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
