"""Actuals in: per rep and month, measure actuals, targets and payouts paid.

Read from CSV, Excel, Parquet or SQL (:mod:`.sources`), column names mapped by
the scenario's ``[actuals]`` table (:mod:`.spec`), checked row by row
(:mod:`.validate`) and laid out as plan years (:mod:`.years`).
"""

from .load import load_actuals
from .sources import RawTable, is_url, read_source
from .spec import ActualsSpec, CheckinOption, CheckinSpec
from .validate import Actuals, ActualsError, Problem, validate

__all__ = [
    "Actuals",
    "ActualsError",
    "ActualsSpec",
    "CheckinOption",
    "CheckinSpec",
    "Problem",
    "RawTable",
    "is_url",
    "load_actuals",
    "read_source",
    "validate",
]
