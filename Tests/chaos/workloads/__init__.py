"""Workloads driven through the real pyqldb driver."""
from . import append, bank, register

WORKLOADS = {"bank": bank.Bank, "append": append.Append, "register": register.Register}
