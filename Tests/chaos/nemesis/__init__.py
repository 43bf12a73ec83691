"""Faults: kill -9 and restart, SIGSTOP/SIGCONT pauses, partitions of peer links."""
