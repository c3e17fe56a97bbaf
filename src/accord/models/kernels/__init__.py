"""Compiled (numba) kernels of the models' hot loops.

Each kernel reproduces the NumPy code it replaces operation for operation, including the
order in which NumPy sums (:mod:`accord.models.kernels.sums`), so that the models' outputs stay
bit-identical. numba is imported only when a kernel is first used; nothing in ``import accord``,
``accord --help`` or ``accord validate`` loads it. Kernels with independent rows have a serial
and a parallel twin; :mod:`accord.models.kernels.threads` picks one (the same bits either way).

numba caches each kernel's machine code in ``__pycache__``, keyed on the kernel's own source
file only: after editing what a kernel takes from another module (``sums``, ``votes``, or the
constants it imports from its model), delete ``src/accord/models/kernels/__pycache__`` (a fresh installation,
as in CI, compiles everything anew).
"""

import sys


def loaded(kernel: str | None = None) -> bool:
    """Whether this process has loaded numba (``kernel`` None) or the kernel module ``kernel``
    (``"assess"``): from then on a compiled path costs at most its cached code's load, so the
    models let small runs take it too (the same bits either way)."""
    return (f"{__name__}.{kernel}" if kernel else "numba") in sys.modules


def warm_up() -> None:
    """numba's per-process load paid ahead of the first compiled run (a worker process that
    starts before its work is planned): its import and its CPU target's set-up, about 1 CPU s of
    the 1.1-1.3 s a process pays on its first cached kernel (each kernel's own machine code still
    loads on its first call), and the SMP's small-case kernels' module. Uses numba's internal
    ``cpu_target``: a failure only loses the head start."""
    from numba.core.registry import cpu_target

    cpu_target.target_context.refresh()
    from accord.models.kernels import assess  # noqa: F401
