"""Independent checkers. Each takes a history (list of events, see history.py)
and returns {"valid": bool, "anomalies": [...], ...}; none trusts the server."""
