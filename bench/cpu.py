"""CPU seconds used so far by a process tree (a gunicorn master and its workers, including workers that
have exited and been reaped). Usage: python bench/cpu.py PID"""

import os
import sys

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    # after the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
    return int(fields[1]), [int(v) for v in fields[11:15]]


def tree_cpu(root):
    total = sum(_stat(root)[1])  # the master, and the children it has reaped
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                parent, times = _stat(name)
            except (FileNotFoundError, ProcessLookupError):
                continue
            if parent == root:
                total += times[0] + times[1]
    return total / TICKS


if __name__ == "__main__":
    print(f"{tree_cpu(int(sys.argv[1])):.2f}")
