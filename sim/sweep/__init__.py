"""Stress-test sweeps: plan variants x market scenarios, every cell on the same draws.

:mod:`sim.sweep.spec` reads the ``[sweep]`` table; :mod:`sim.sweep.run` runs it.
"""
