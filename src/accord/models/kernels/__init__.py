"""Compiled (numba) kernels of the models' hot loops.

Each kernel reproduces the NumPy code it replaces operation for operation, including the
order in which NumPy sums (:mod:`accord.models.kernels.sums`), so that the models' outputs stay
bit-identical. numba is imported only when a kernel is first used; nothing in ``import accord``,
``accord --help`` or ``accord validate`` loads it.
"""
