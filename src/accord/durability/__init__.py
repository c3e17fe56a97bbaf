"""How long do cease-fires hold? Base rates and a survival model from the ETH/PRIO Civil
Conflict Ceasefire Dataset (CFD; Clayton, Nygård, Rustad & Strand et al. 2023, *Journal of
Conflict Resolution* (online 2022), "Introducing the ETH/PRIO Civil Conflict Ceasefire Dataset").

One module per step, all re-exported here (``from accord import durability as du; du.load(...)``):

- :mod:`accord.durability.data`: read and check the CFD, one row per cease-fire (dates,
  censoring, one rule per ``ended`` code; see ``docs/durability.md``);
- :mod:`accord.durability.survival`: Kaplan-Meier curves and base rates for reference classes;
- :mod:`accord.durability.cox`: the Cox proportional-hazards model and its cross-validated check;
- :mod:`accord.durability.deal`: the analysis of a deal as one dict (``accord durability``,
  the case analysis).
"""

from accord.durability.cox import (
    CALIBRATION_DAYS,
    MODEL_COLUMNS,
    ModelCheck,
    cross_validate,
    design_matrix,
    fit_cox,
    predict_holding,
)
from accord.durability.data import (
    BINARY_FEATURES,
    CITATION,
    CLASS_LABELS,
    CODE_RANGES,
    END_PRECEDENCE,
    END_RULES,
    ENV_VAR,
    FEATURE_VALUES,
    PURPOSES,
    REQUIRED_COLUMNS,
    SIDE_LABELS,
    TIMING_LABELS,
    CeasefireData,
    EndRule,
    ceasefires,
    clean_dates,
    data_path,
    load,
    period_bounds,
    read_cfd,
)
from accord.durability.deal import analyse, deal_reference, deal_table, durability_section
from accord.durability.survival import (
    FALLBACK_ORDER,
    HORIZONS,
    MIN_CLASS_SIZE,
    BaseRate,
    KaplanMeier,
    base_rate,
    check_reference,
    class_mask,
    kaplan_meier,
)

__all__ = [
    "BINARY_FEATURES",
    "CALIBRATION_DAYS",
    "CITATION",
    "CLASS_LABELS",
    "CODE_RANGES",
    "END_PRECEDENCE",
    "END_RULES",
    "ENV_VAR",
    "FALLBACK_ORDER",
    "FEATURE_VALUES",
    "HORIZONS",
    "MIN_CLASS_SIZE",
    "MODEL_COLUMNS",
    "PURPOSES",
    "REQUIRED_COLUMNS",
    "SIDE_LABELS",
    "TIMING_LABELS",
    "BaseRate",
    "CeasefireData",
    "EndRule",
    "KaplanMeier",
    "ModelCheck",
    "analyse",
    "base_rate",
    "ceasefires",
    "check_reference",
    "class_mask",
    "clean_dates",
    "cross_validate",
    "data_path",
    "deal_reference",
    "deal_table",
    "design_matrix",
    "durability_section",
    "fit_cox",
    "kaplan_meier",
    "load",
    "period_bounds",
    "predict_holding",
    "read_cfd",
]


# `accord.durability(...)` calls accord.api.durability (the notebook API); see accord.api.callable
from accord.api.callable import make_callable  # noqa: E402

make_callable(__name__, "durability")
