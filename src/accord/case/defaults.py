"""The case analysis's defaults, apart from its models so that the command line's help can show
them without building the pydantic result types."""

DEFAULT_DRAWS = 500
"""Monte Carlo draws behind the summary's probabilities (about 0.3 s on the Gaza example)."""

DEFAULT_NOISE = 0.05
"""Default sd, as a share of each value's range, for values without their own uncertainty
(the report's default too; ``accord simulate`` defaults to 0 and says so)."""
