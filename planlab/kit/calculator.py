"""An earnings calculator sheet built from live Excel formulas: the plan's curve
breakpoints are cells, and one attainment input drives every measure's payout, so
finance can try values in Excel itself."""

from __future__ import annotations

from sim.plan import Plan

from .excel import SheetBuilder
from .xlsx import Sheet

__all__ = ["INPUT_CELL", "earnings_calculator"]

#: The attainment a reader types in (100% to start).
INPUT_CELL = "B3"


def earnings_calculator(plan: Plan) -> SheetBuilder:
    """A sheet builder: a rep's annual incentive at the attainment typed in ``B3``.

    Every measure reaches that attainment in every period (gates count as met,
    modifiers as neutral, as :func:`sim.earnings.earnings_table` reads them). A
    measure's payout share is its curve read by ``LOOKUP`` on the breakpoint cells:
    the last breakpoint at or below the attainment, plus the slope from there (the
    tail slope beyond the last one), nothing below the first, at most the cap.
    """

    def build(ws: Sheet) -> None:
        mix = plan.pay_mix
        ws.put("A1", f"Earnings calculator: {plan.name}", "title")
        ws.put("A3", "Attainment of every target (type a value)", "wrap_only")
        ws.put(INPUT_CELL, 1.0, "input_percent")
        ws.put("A4", "Target incentive")
        ws.put("B4", float(mix.target_incentive), "money")
        ws.put("A5", "Base salary")
        ws.put("B5", float(mix.base), "money")
        head = ["Measure", "Weight", "Target incentive", "Payout share", "Payout"]
        for j, h in enumerate(head, start=1):
            ws.put((7, j), h, "bold")
        first = 8
        last = first + len(plan.measures) - 1
        block = last + 4  # where the first curve's breakpoints start
        a = f"${INPUT_CELL[0]}${INPUT_CELL[1:]}"
        for i, m in enumerate(plan.measures):
            r = first + i
            c = m.curve
            n = len(c.points)
            xs = f"$A${block + 1}:$A${block + n}"
            ys = f"$B${block + 1}:$B${block + n}"
            ss = f"$C${block + 1}:$C${block + n}"
            share = (
                f"IF({a}<$A${block + 1},0,LOOKUP({a},{xs},{ys})"
                f"+({a}-LOOKUP({a},{xs},{xs}))*LOOKUP({a},{xs},{ss}))"
            )
            cap_ref = f"$B${block + n + 1}"
            ws.put((r, 1), m.id)
            ws.put((r, 2), float(m.weight), "percent")
            ws.put((r, 3), f"=$B$4*B{r}", "money", formula=True)
            ws.put(
                (r, 4),
                f'=IF({cap_ref}="",{share},MIN({cap_ref},{share}))',
                "percent",
                formula=True,
            )
            ws.put((r, 5), f"=C{r}*D{r}", "money", formula=True)
            # the curve's breakpoints, slopes and cap as cells
            ws.put((block - 1, 1), f"{m.id} curve", "bold")
            for j, h in enumerate(["Attainment", "Payout share", "Slope to next"], start=1):
                ws.put((block, j), h, "bold")
            for k, (x, y) in enumerate(c.points):
                row = block + 1 + k
                ws.put((row, 1), float(x), "percent")
                ws.put((row, 2), float(y), "percent")
                if k < n - 1:
                    slope = f"=IF(A{row + 1}=A{row},0,(B{row + 1}-B{row})/(A{row + 1}-A{row}))"
                    ws.put((row, 3), slope, "number", formula=True)
                else:  # beyond the last breakpoint
                    ws.put((row, 3), float(c.tail), "number")
            ws.put((block + n + 1, 1), "Cap (payout share)")
            ws.put((block + n + 1, 2), None if c.cap is None else float(c.cap), "percent")
            block += n + 4
        total = last + 1
        ws.put((total, 1), "Total incentive", "bold")
        ws.put((total, 5), f"=SUM(E{first}:E{last})", "money", formula=True)
        ws.put((total + 1, 1), "Total pay (base + incentive)", "bold")
        ws.put((total + 1, 5), f"=B5+E{total}", "money", formula=True)
        ws.width("A", 44)
        for j in range(2, 6):
            ws.width(j, 16)

    return build
