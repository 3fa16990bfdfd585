"""One call from a scenario and a source to validated actuals."""

from __future__ import annotations

from pathlib import Path

from ..errors import ScenarioError
from .sources import read_source
from .validate import Actuals, validate

__all__ = ["load_actuals"]


def load_actuals(
    scenario,
    source: str | Path | None = None,
    *,
    drop_bad_rows: bool = False,
    table: str | None = None,
    query: str | None = None,
    teams: dict[str, str] | None = None,
    opportunities: str | Path | None = None,
) -> Actuals:
    """Read and check the actuals of ``scenario`` (a :class:`sim.scenario.Scenario`).

    ``source`` defaults to the scenario's ``[actuals] source``; file names are
    relative to the working directory or else to the scenario file. ``teams``
    (rep -> team) defaults to the scenario's team. With ``opportunities`` (a CRM
    export, :mod:`sim.opportunities`, read as the scenario's ``[opportunities]``
    table says) the deals come from the export (:mod:`.deals`) and the table
    needs only reps and months; its bad rows and unknown owners are listed with
    the actuals' own.
    """
    spec = scenario.actuals
    source = source if source is not None else spec.source
    if source is None:
        origin = scenario.source or "<scenario>"
        raise ScenarioError(f"{origin}: no actuals given: pass a source or set [actuals] source")
    if teams is None:
        from ..run import make_population  # here: sim.run imports the scenario module

        pop = make_population(scenario)
        teams = dict(zip(pop.name.tolist(), pop.team.tolist(), strict=True))
    raw = read_source(str(source), spec, scenario.base_dir, table=table, query=query)
    score = scenario.market.collaboration_score
    scales = {}
    if score is not None:
        scales["collaboration_score"] = (score.low, score.high, "[market.collaboration_score]")
    if opportunities is None:
        return validate(raw, spec, teams, drop_bad_rows=drop_bad_rows, scales=scales)
    from ..opportunities import load_opportunities
    from .deals import with_deals

    path = Path(opportunities)
    if (
        not path.is_file()
        and scenario.base_dir is not None
        and (scenario.base_dir / path).is_file()
    ):
        path = scenario.base_dir / path
    actuals = validate(
        raw, spec, teams, drop_bad_rows=drop_bad_rows, required=("rep", "period"), scales=scales
    )
    export = load_opportunities(
        path, scenario.opportunities, teams=teams, drop_bad_rows=drop_bad_rows
    )
    return with_deals(actuals, export, drop_bad_rows)
