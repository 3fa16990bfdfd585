"""``planlab sweep``: plan variants x market scenarios, with a robustness ranking."""
