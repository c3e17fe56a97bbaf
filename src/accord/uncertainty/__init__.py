"""Uncertainty: Monte Carlo draws, simulation, sensitivity indices, distributed execution on Dask."""
