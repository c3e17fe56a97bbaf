"""Distinct rows of a batch: a model whose rows do not interact computes each distinct row once.

Monte Carlo draws and the sensitivity design repeat rows: an issue that no uncertain input
touches is the same in every draw, and the Saltelli rows :math:`A_B^{(i)}` equal :math:`A` on
every issue input :math:`i` leaves alone. A model that computes every row from that row's
numbers alone (the same arithmetic whatever the other rows are) may run on the distinct rows
and copy the results back: the numbers are the same bit for bit. The EUM does (its rows are
the issues of every draw), and so does the ensemble's per-issue SMP in deterministic mode with
the initiator's estimates alone (``ensemble.base_forecasts``; ``tests/models/test_smp.py``
checks that a case's numbers do not depend on its batch). The SMP's receiver estimates
(InitRcvrInterp, PWCompInterp) still can, in the last bits, so those run every case.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.intp]


def distinct_rows(*arrays: NDArray[np.generic]) -> tuple[IntArray, IntArray]:
    """The first row of each distinct group and every row's group: ``first (M,)``, ``inverse (N,)``.

    Rows ``n`` of the arrays (each ``(N, ...)``) are equal when every array holds the same bytes
    there (so NaN equals NaN and -0.0 differs from 0.0); ``first`` is in order of first
    appearance and ``rows[first][inverse]`` gives the rows back.
    """
    n = arrays[0].shape[0]
    if n == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    parts = [np.ascontiguousarray(a).reshape(n, -1).view(np.uint8) for a in arrays]
    data = np.ascontiguousarray(np.concatenate(parts, axis=1))
    if data.shape[1] == 0:
        return np.zeros(1, np.intp), np.zeros(n, np.intp)
    keys = data.view(np.dtype((np.void, data.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    # groups numbered in order of first appearance
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return first[order].astype(np.intp), rank[inverse.reshape(-1)].astype(np.intp)
