"""``planlab history``: the plan versions recorded, one version in full, and what changed
between two versions (targets, weights, curves, assumptions), for the terminal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from sim.errors import ScenarioError
from sim.messages import shorten

from ..kit.format import money_text, percent_text
from ..kit.terminal import text_table
from .history import list_records, read_record

__all__ = ["diff_lines", "history_table", "pick_scenario", "read_version", "show_lines"]

_LIST_COLUMNS = (
    ("version", "Version", "number"),
    ("scenario", "Scenario", "text"),
    ("kind", "Kind", "text"),
    ("period", "Period", "text"),
    ("plan_name", "Plan", "text"),
    ("recorded", "Recorded (UTC)", "text"),
    ("user", "By", "text"),
    ("fit", "Fit", "text"),
    ("share_at_target", "At target", "percent"),
    ("incentive_cost", "Incentive cost", "money"),
    ("cost_of_sales", "Cost of sales", "percent"),
)


def history_table(table: pd.DataFrame) -> str:
    """The recorded versions as a readable table (one line each), amounts in the
    scenarios' currency (a column of its own when the versions listed differ)."""
    df = table.assign(
        recorded=table["created_utc"].astype(str).str.slice(0, 16).str.replace("T", " ")
    )
    cols = [(k, h, kind) for k, h, kind in _LIST_COLUMNS if k in df.columns]
    known = df["currency"].dropna().unique() if "currency" in df else []
    currency = str(known[0]) if len(known) == 1 else None
    if len(known) > 1:
        cols.append(("currency", "Currency", "text"))
    rows = [[_plain(r[k]) for k, _, _ in cols] for _, r in df.iterrows()]
    return text_table(rows, [h for _, h, _ in cols], [kind for _, _, kind in cols], currency)


def _plain(v: Any) -> Any:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def pick_scenario(store, scenario: str | None) -> str:
    """The scenario a version number refers to: the one named, or the only one stored."""
    if scenario:
        return scenario
    names = sorted(set(list_records(store)["scenario"]))
    if len(names) == 1:
        return names[0]
    if not names:
        raise ScenarioError("no reviews recorded yet: run planlab review or checkin first")
    raise ScenarioError(
        f"the history holds several scenarios ({', '.join(names)}); name one with --scenario"
    )


def _curve(m: Mapping) -> str:
    curve = m.get("curve") or {}
    points = curve.get("points") or []
    text = ", ".join(f"{percent_text(a)}→{percent_text(s)}" for a, s in points)
    cap = curve.get("cap")
    return text + (f"; cap {percent_text(cap)}" if cap is not None else "; uncapped")


def _measures(plan: Mapping) -> dict[str, Mapping]:
    return {m.get("id", m.get("name")): m for m in plan.get("measures", [])}


def _target_totals(targets: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for per_rep in _by_measure(targets).values():
        for measure, value in per_rep.items():
            totals[measure] = totals.get(measure, 0.0) + float(value)
    return totals


def _by_measure(targets: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Per rep, targets by measure: check-ins recorded before they were keyed alike kept
    the reps table's columns (``target_<measure>``, and chances ``p_target_<measure>``)."""
    return {
        rep: {
            m.removeprefix("target_"): float(v)
            for m, v in per_rep.items()
            if not m.startswith("p_") and v is not None
        }
        for rep, per_rep in targets.items()
    }


def show_lines(rec: Mapping) -> list[str]:
    """One version in full: what was recorded, the plan, targets, results, findings."""
    head = rec["results"].get("headline", {})
    lines = [
        f"{rec['scenario']} version {rec['version']}: {rec['kind']} of {rec['period']}, "
        f"recorded {str(rec['created_utc'])[:16].replace('T', ' ')} UTC by {rec['user']}",
        f"plan: {rec['plan_name']}   seed {rec['seed']}, {rec['trials'] or 0:,} trials",
        f"scenario file: {rec['scenario_file']}   actuals: {rec['actuals_source']}",
        "",
        "Measures:",
    ]
    rows = [[mid, m.get("weight"), _curve(m)] for mid, m in _measures(rec["plan"]).items()]
    lines.append(
        text_table(
            rows, ["Measure", "Weight", "Curve (attainment→payout)"], ["text", "percent", "text"]
        )
    )
    totals = _target_totals(rec["targets"])
    lines += ["", f"Targets of {len(rec['targets']):,} reps (totals):"]
    lines.append(
        text_table(
            [[m, t] for m, t in totals.items()], ["Measure", "Total target"], ["text", "number"]
        )
    )
    if head:
        lines += ["", "Headline:"]
        currency = rec["results"].get("currency") or "USD"
        for k, v in head.items():
            lines.append(f"  {k.replace('_', ' ')}: {_headline_value(k, v, currency)}")
    findings = rec["results"].get("findings") or []
    if findings:
        lines += ["", "Findings:", *(f"  - {f}" for f in findings)]
    return lines


def _headline_value(key: str, v: Any, currency: str = "USD") -> str:
    if isinstance(v, int | float) and not isinstance(v, bool):
        if "share" in key or "cost_of_sales" in key:
            return percent_text(v)
        if "cost" in key or "total" in key:
            return money_text(v, currency)
        return f"{v:,.4g}"
    return str(v)


def _flat(obj: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(obj, Mapping):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: obj}


#: The widest a setting's value is shown in ``history diff`` (the rest is cut, and says so).
SETTING_CHARS = 60


def _setting(value: Any) -> str:
    """An assumption's value for the terminal: numbers to four significant digits, lists
    joined, nothing as a dash, long text cut."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, list):
        value = "; ".join(_setting(v) for v in value) or "–"
    return shorten(value, SETTING_CHARS)


def diff_lines(a: Mapping, b: Mapping, top: int = 10) -> list[str]:
    """What changed from version ``a`` to ``b``: targets, weights, curves, assumptions."""
    lines = [
        f"{a['scenario']}: version {a['version']} ({a['kind']} of {a['period']}, {a['plan_name']}) "
        f"-> version {b['version']} ({b['kind']} of {b['period']}, {b['plan_name']})",
        "",
    ]
    ma, mb = _measures(a["plan"]), _measures(b["plan"])
    rows = []
    for mid in dict.fromkeys([*ma, *mb]):
        wa = ma.get(mid, {}).get("weight")
        wb = mb.get(mid, {}).get("weight")
        ca = _curve(ma[mid]) if mid in ma else "–"
        cb = _curve(mb[mid]) if mid in mb else "–"
        if wa != wb or ca != cb:
            rows.append([mid, wa, wb, ca if ca != cb else "", cb if ca != cb else "(same)"])
    lines.append("Weights and curves:")
    lines.append(
        text_table(
            rows,
            ["Measure", "Weight before", "Weight after", "Curve before", "Curve after"],
            ["text", "percent", "percent", "text", "text"],
        )
        if rows
        else "  unchanged"
    )
    ta, tb = _by_measure(a["targets"]), _by_measure(b["targets"])
    totals_a, totals_b = _target_totals(ta), _target_totals(tb)
    rows = []
    for m in dict.fromkeys([*totals_a, *totals_b]):
        before, after = totals_a.get(m), totals_b.get(m)
        change = (after / before - 1.0) if before and after is not None else None
        rows.append([m, before, after, change])
    lines += ["", "Targets (totals over reps):"]
    lines.append(
        text_table(
            rows, ["Measure", "Before", "After", "Change"], ["text", "number", "number", "percent"]
        )
    )
    moves = []
    for rep in sorted(set(ta) & set(tb)):
        for m in set(ta[rep]) & set(tb[rep]):
            before, after = float(ta[rep][m]), float(tb[rep][m])
            if before and abs(after / before - 1.0) > 1e-9:
                moves.append((abs(after / before - 1.0), rep, m, before, after))
    moves.sort(reverse=True)
    only = sorted(set(ta) ^ set(tb))
    lines += ["", f"Reps whose targets changed: {len({r for _, r, _, _, _ in moves}):,}"]
    if moves:
        rows = [[rep, m, x, y, y / x - 1.0] for _, rep, m, x, y in moves[:top]]
        lines.append(
            text_table(
                rows,
                ["Rep", "Measure", "Before", "After", "Change"],
                ["text", "text", "number", "number", "percent"],
            )
        )
    if only:
        lines.append(
            f"Reps in one version only: {', '.join(only[:top])}"
            + (" ..." if len(only) > top else "")
        )
    fa, fb = _flat(a["assumptions"]), _flat(b["assumptions"])
    changed = [
        (k, fa.get(k), fb.get(k)) for k in sorted(set(fa) | set(fb)) if fa.get(k) != fb.get(k)
    ]
    lines += ["", "Assumptions:"]
    if changed:
        lines.append(
            text_table(
                [[k, _setting(x), _setting(y)] for k, x, y in changed],
                ["Setting", "Before", "After"],
                ["text", "text", "text"],
            )
        )
    else:
        lines.append("  unchanged")
    return lines


def read_version(store, scenario: str | None, version: int) -> dict:
    """One stored version of the named (or only) scenario."""
    return read_record(pick_scenario(store, scenario), version, store)
