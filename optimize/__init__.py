"""Plan optimisation with PuLP (targets, weights, curves). Builds on ``sim``."""
