"""An earnings calculator sheet built from live Excel formulas: the plan's curve
breakpoints are cells, and one attainment input drives every measure's payout, so
finance can try values in Excel itself."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from sim.plan import Plan

from .excel import FORMATS, SheetBuilder, freeze

__all__ = ["INPUT_CELL", "earnings_calculator"]

#: The attainment a reader types in (100% to start).
INPUT_CELL = "B3"
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEAD = Font(bold=True)


def earnings_calculator(plan: Plan) -> SheetBuilder:
    """A sheet builder: a rep's annual incentive at the attainment typed in ``B3``.

    Every measure reaches that attainment in every period (gates count as met,
    modifiers as neutral, as :func:`sim.earnings.earnings_table` reads them). A
    measure's payout share is its curve read by ``LOOKUP`` on the breakpoint cells:
    the last breakpoint at or below the attainment, plus the slope from there (the
    tail slope beyond the last one), nothing below the first, at most the cap.
    """

    def build(ws, money: str) -> None:
        mix = plan.pay_mix
        ws["A1"] = f"Earnings calculator: {plan.name}"
        ws["A1"].font = Font(bold=True, size=13)
        ws["A3"], ws[INPUT_CELL] = "Attainment of every target (type a value)", 1.0
        ws[INPUT_CELL].number_format = FORMATS["percent"]
        ws[INPUT_CELL].fill = _INPUT_FILL
        ws["A4"], ws["B4"] = "Target incentive", float(mix.target_incentive)
        ws["A5"], ws["B5"] = "Base salary", float(mix.base)
        for ref in ("B4", "B5"):
            ws[ref].number_format = money
        head = ["Measure", "Weight", "Target incentive", "Payout share", "Payout"]
        for j, h in enumerate(head, start=1):
            ws.cell(row=7, column=j, value=h).font = _HEAD
        first = 8
        last = first + len(plan.measures) - 1
        block = last + 4  # where the first curve's breakpoints start
        for i, m in enumerate(plan.measures):
            r = first + i
            c = m.curve
            n = len(c.points)
            xs = f"$A${block + 1}:$A${block + n}"
            ys = f"$B${block + 1}:$B${block + n}"
            ss = f"$C${block + 1}:$C${block + n}"
            a = f"${INPUT_CELL[0]}${INPUT_CELL[1:]}"
            share = (
                f"IF({a}<$A${block + 1},0,LOOKUP({a},{xs},{ys})"
                f"+({a}-LOOKUP({a},{xs},{xs}))*LOOKUP({a},{xs},{ss}))"
            )
            cap_ref = f"$B${block + n + 1}"
            ws.cell(row=r, column=1, value=m.id)
            ws.cell(row=r, column=2, value=float(m.weight)).number_format = FORMATS["percent"]
            ws.cell(row=r, column=3, value=f"=$B$4*B{r}").number_format = money
            ws.cell(
                row=r, column=4, value=f'=IF({cap_ref}="",{share},MIN({cap_ref},{share}))'
            ).number_format = FORMATS["percent"]
            ws.cell(row=r, column=5, value=f"=C{r}*D{r}").number_format = money
            # the curve's breakpoints, slopes and cap as cells
            ws.cell(row=block - 1, column=1, value=f"{m.id} curve").font = _HEAD
            for j, h in enumerate(["Attainment", "Payout share", "Slope to next"], start=1):
                ws.cell(row=block, column=j, value=h).font = _HEAD
            for k, (x, y) in enumerate(c.points):
                row = block + 1 + k
                ws.cell(row=row, column=1, value=float(x)).number_format = FORMATS["percent"]
                ws.cell(row=row, column=2, value=float(y)).number_format = FORMATS["percent"]
                if k < n - 1:
                    slope = f"=IF(A{row + 1}=A{row},0,(B{row + 1}-B{row})/(A{row + 1}-A{row}))"
                else:
                    slope = float(c.tail)  # beyond the last breakpoint
                ws.cell(row=row, column=3, value=slope).number_format = FORMATS["number"]
            ws.cell(row=block + n + 1, column=1, value="Cap (payout share)")
            cap = ws.cell(row=block + n + 1, column=2, value=None if c.cap is None else c.cap)
            cap.number_format = FORMATS["percent"]
            block += n + 4
        total = last + 1
        ws.cell(row=total, column=1, value="Total incentive").font = _HEAD
        ws.cell(row=total, column=5, value=f"=SUM(E{first}:E{last})").number_format = money
        ws.cell(row=total + 1, column=1, value="Total pay (base + incentive)").font = _HEAD
        ws.cell(row=total + 1, column=5, value=f"=B5+E{total}").number_format = money
        ws.column_dimensions["A"].width = 44
        for j in range(2, 6):
            ws.column_dimensions[get_column_letter(j)].width = 16
        ws["A3"].alignment = Alignment(wrap_text=True)
        freeze(ws)

    return build
