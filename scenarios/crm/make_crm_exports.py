"""Write the CRM examples: the clean export's deals as Salesforce and HubSpot export them.

    python scenarios/crm/make_crm_exports.py [DIR]

Reads ``scenarios/key_account_opportunities.csv`` (one pipeline year of the
key-account team in planlab's own columns) and writes the same opportunities
as

- ``salesforce_opportunities.csv``: Salesforce's standard Opportunities report
  as exported with US settings: Windows-1252, dates ``4/14/2027``, amounts
  ``USD 63,327.00``, stages ``Closed Won`` / ``Closed Lost``, the *Closed* and
  *Won* check boxes, deal kind in *Type*, a report footer;
- ``hubspot_deals.csv``: HubSpot's deals export: UTF-8, ``2027-04-14 00:00``
  date-times, plain amounts, stage labels, *Deal Type* and *Is Closed Won*;
- ``actuals.csv``: each rep's months of the plan year (rep and month only:
  the deals come from the export).

Open opportunities carry an expected close date, as CRMs fill it in, 120 days
after they were created. Read through ``preset = "salesforce"`` or
``preset = "hubspot"`` (``salesforce.toml``, ``hubspot.toml``) both give the
clean export's opportunities, so calibration fits the same rates; the test
suite checks it.
"""

from __future__ import annotations

import csv
import sys
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLEAN = HERE.parent / "key_account_opportunities.csv"

_OPEN_STAGE = {
    "qualify": ("Qualification", "Qualified To Buy", 20),
    "propose": ("Proposal/Price Quote", "Presentation Scheduled", 50),
    "negotiate": ("Negotiation/Review", "Decision Maker Bought-In", 70),
    "close": ("Negotiation/Review", "Contract Sent", 90),
}
_SUFFIX = ("Holdings", "GmbH", "Société Anonyme", "AG", "Ltd", "Læringsværk AS")
SF_FOOTER = [
    [],
    ["Confidential Information - Do Not Distribute"],
    ["Copyright © 2000-2027 salesforce.com, inc. All rights reserved."],
]


def _account(code: str) -> str:
    """A company name per account (some with letters outside ASCII)."""
    number = int(code[1:])
    return f"{'Customer' if code[0] == 'A' else 'Prospect'} {number} {_SUFFIX[number % 6]}"


def _us(d: date) -> str:
    return f"{d.month}/{d.day}/{d.year}"


def rows() -> list[dict]:
    with CLEAN.open(encoding="utf-8", newline="") as fh:
        out = list(csv.DictReader(fh))
    for i, r in enumerate(out):
        r["id"] = 9_000_000 + i
        r["created_d"] = date.fromisoformat(r["created"])
        r["close_d"] = (
            date.fromisoformat(r["closed"])
            if r["closed"]
            else r["created_d"] + timedelta(days=120)  # expected close of an open deal
        )
    return out


def salesforce(data: list[dict], path: Path) -> None:
    header = [
        "Opportunity Owner", "Account Name", "Opportunity Name", "Stage", "Fiscal Period",
        "Amount", "Probability (%)", "Age", "Close Date", "Created Date", "Next Step",
        "Lead Source", "Type", "Closed", "Won",
    ]  # fmt: skip
    with path.open("w", encoding="cp1252", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL)
        w.writerow(header)
        for r in data:
            won, open_ = r["status"] == "won", r["status"] == "open"
            stage, _, prob = _OPEN_STAGE[r["stage"]]
            if not open_:
                stage, prob = ("Closed Won", 100) if won else ("Closed Lost", 0)
            q = (r["close_d"].month - 1) // 3 + 1
            w.writerow(
                [
                    r["owner"],
                    _account(r["account"]),
                    f"{_account(r['account'])} - {r['id']}",
                    stage,
                    f"Q{q}-{r['close_d'].year}",
                    f"USD {float(r['amount']):,.2f}",
                    prob,
                    (r["close_d"] - r["created_d"]).days,
                    _us(r["close_d"]),
                    _us(r["created_d"]),
                    "",
                    "Partner Referral" if r["kind"] == "new" else "Existing Customer",
                    "New Business" if r["kind"] == "new" else "Existing Business",
                    0 if open_ else 1,
                    1 if won else 0,
                ]
            )
        w.writerows(SF_FOOTER)


def hubspot(data: list[dict], path: Path) -> None:
    header = [
        "Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Create Date",
        "Deal Owner", "Associated Company", "Deal Type", "Pipeline", "Is Closed Won",
    ]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in data:
            won, open_ = r["status"] == "won", r["status"] == "open"
            stage = (
                _OPEN_STAGE[r["stage"]][1] if open_ else ("Closed Won" if won else "Closed Lost")
            )
            w.writerow(
                [
                    r["id"],
                    f"{_account(r['account'])} deal",
                    stage,
                    r["amount"],
                    f"{r['close_d']:%Y-%m-%d} 00:00",
                    f"{r['created_d']:%Y-%m-%d} 00:00",
                    r["owner"],
                    _account(r["account"]),
                    "New Business" if r["kind"] == "new" else "Existing Business",
                    "Sales Pipeline",
                    "true" if won else "false",
                ]
            )


def actuals(data: list[dict], path: Path) -> None:
    reps = sorted({r["owner"] for r in data})
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Owner", "Month"])
        for rep in reps:
            for m in range(1, 13):
                w.writerow([rep, f"2027-{m:02d}"])


def main(out: Path = HERE) -> None:
    """Write the three files into ``out`` (default: beside this script)."""
    data = rows()
    salesforce(data, out / "salesforce_opportunities.csv")
    hubspot(data, out / "hubspot_deals.csv")
    actuals(data, out / "actuals.csv")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
