"""Figures and the self-contained HTML report."""


# `accord.report(...)` calls accord.api.report (the notebook API); see accord.api.callable
from accord.api.callable import make_callable  # noqa: E402

make_callable(__name__, "report")
