"""The optimiser's frontier chart reads as a frontier: points monotone in cost (a point
that a cheaper one beats beyond the solver's gap is left out), the chosen plan on it,
and axes a reader can read."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from planlab.optimize.figures import frontier, frontier_points

GAP = 1e-3


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(1e6, 5e6), st.floats(1e7, 2e7), st.floats(0.3, 0.9)),
        min_size=1,
        max_size=12,
    ),
    st.data(),
)
def test_points_are_monotone_and_keep_the_chosen_plan(rows, data):
    df = pd.DataFrame(rows, columns=["expected_incentive", "expected_profit", "share_at_target"])
    df["status"] = "optimal"
    chosen = data.draw(st.integers(0, len(df) - 1))
    df.loc[chosen, "status"] = "chosen"
    pts = frontier_points(df, GAP)
    assert (pts["status"] == "chosen").sum() == 1
    tol = GAP * df["expected_profit"].abs().max()
    others = pts[pts["status"] != "chosen"].sort_values("expected_incentive")
    # every kept point earns more than every cheaper point (beyond the gap)
    best = float("-inf")
    for _, r in df.sort_values(["expected_incentive", "expected_profit"]).iterrows():
        if r.name in others.index:
            assert r["expected_profit"] > best + tol
        best = max(best, r["expected_profit"])
    assert others["expected_profit"].is_monotonic_increasing


def test_the_chart_has_readable_axes():
    df = pd.DataFrame(
        {
            "expected_incentive": [2_740_000, 2_760_000, 2_780_000, 2_800_000],
            "expected_profit": [18_000_000, 18_000_900, 17_999_000, 18_001_000],
            "share_at_target": [0.621, 0.622, 0.622, 0.623],
            "status": ["optimal", "optimal", "optimal", "chosen"],
        }
    )
    fig = frontier(df, "USD")
    cost, share = fig.panels
    for panel in fig.panels:
        labels = [text for _, text in panel.ticks("y")]
        assert len(labels) == len(set(labels)), labels  # no repeated y ticks
    cost_labels = [text for _, text in cost.ticks("x")]
    assert len(cost_labels) <= 7 and all(lbl.startswith("$") for lbl in cost_labels)
    assert len(cost_labels) == len(set(cost_labels)), cost_labels
    share_labels = [text for _, text in share.ticks("x")]
    assert len(share_labels) == len(set(share_labels)), share_labels
    # the chosen plan is drawn on both panels, at its own cost and profit
    for panel, x in ((cost, 2_800_000), (share, 0.623)):
        star = next(m for m in panel.marks if m.kind == "points")
        assert star.x.tolist() == [x] and star.y.tolist() == [18_001_000]
