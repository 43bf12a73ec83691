"""Jepsen-style fault campaigns against real Tally clusters on loopback:
histories recorded from real pyqldb clients, nemeses (kill -9, SIGSTOP pauses,
partitions through a cuttable proxy), and independent checkers."""
