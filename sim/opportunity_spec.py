"""The ``[opportunities]`` table of a scenario: how its CRM's export is read.

A CRM export comes in the CRM's own column names and words. The table maps
planlab's fields (left) to the export's columns (right), says how status and
deal kind are written, which owner names stand for which rep, and how the file
writes text, numbers and dates (:class:`~sim.fileformat.FileFormat`)::

    [opportunities]
    preset = "salesforce"           # the standard Opportunities report
    date_format = "%d/%m/%Y"        # any key overrides the preset
    owners = { "J. Smith" = "Jane Smith" }
    drop_owners = ["Integration User"]

Fields: ``owner``, ``account``, ``amount``, ``created`` and ``closed`` (dates),
``stage``, ``status`` (won, lost or open), ``kind`` (new or expansion), and
two flags, ``won_flag`` and ``closed_flag`` (Salesforce's *Won* and *Closed*
check boxes). Status comes from the flags when the export has them, else from
the status column, else from the stage names listed in ``status_values``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from .fileformat import FileFormat

__all__ = ["FIELDS", "KINDS", "PRESETS", "STATUSES", "OpportunitySpec"]

STATUSES = ("won", "lost", "open")
KINDS = ("new", "expansion")
#: planlab's fields of an opportunity export.
FIELDS = (
    "owner",
    "account",
    "amount",
    "created",
    "closed",
    "stage",
    "status",
    "kind",
    "won_flag",
    "closed_flag",
)

_STATUS_VALUES = {
    "won": ("won", "closed won", "closedwon"),
    "lost": ("lost", "closed lost", "closedlost"),
    "open": ("open",),
}
_KIND_VALUES = {
    "new": ("new", "new business", "new customer", "newbusiness"),
    "expansion": (
        "expansion",
        "existing business",
        "existingbusiness",
        "existing customer",
        "existing customer - upgrade",
        "existing customer - replacement",
        "existing customer - downgrade",
        "upsell",
        "cross-sell",
        "cross sell",
    ),
}

#: The standard exports: Salesforce's Opportunities report and HubSpot's deals export.
PRESETS: dict[str, dict[str, Any]] = {
    "salesforce": {
        "columns": {
            "owner": "Opportunity Owner",
            "account": "Account Name",
            "amount": "Amount",
            "created": "Created Date",
            "closed": "Close Date",
            "stage": "Stage",
            "kind": "Type",
            "won_flag": "Won",
            "closed_flag": "Closed",
        },
        "skip_footer": "auto",
    },
    "hubspot": {
        "columns": {
            "owner": "Deal Owner",
            "account": "Associated Company",
            "amount": "Amount",
            "created": "Create Date",
            "closed": "Close Date",
            "stage": "Deal Stage",
            "kind": "Deal Type",
            "won_flag": "Is Closed Won",
        },
        "status_values": {
            "open": (
                "appointment scheduled",
                "qualified to buy",
                "presentation scheduled",
                "decision maker bought-in",
                "contract sent",
                "appointmentscheduled",
                "qualifiedtobuy",
                "presentationscheduled",
                "decisionmakerboughtin",
                "contractsent",
            ),
        },
    },
}
_MERGED = ("columns", "status_values", "kind_values")


class OpportunitySpec(FileFormat):
    """How the scenario's CRM export is read (see the module's docstring)."""

    preset: Literal["salesforce", "hubspot"] | None = Field(
        default=None, description="Fill the table for a standard export; any key overrides it."
    )
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="planlab field -> column name in the export (default: the field's name).",
    )
    status_values: dict[Literal["won", "lost", "open"], tuple[str, ...]] = Field(
        default_factory=lambda: dict(_STATUS_VALUES),
        description="Status or stage names (any case) that mean won, lost and open.",
    )
    kind_values: dict[Literal["new", "expansion"], tuple[str, ...]] = Field(
        default_factory=lambda: dict(_KIND_VALUES),
        description="Type names (any case) that mean a new account and an expansion.",
    )
    true_values: tuple[str, ...] = Field(
        default=("1", "true", "yes", "y", "x", "checked"),
        description="Flag cells (any case) that mean true; '0', 'false', 'no' and empty mean false.",
    )
    owners: dict[str, str] = Field(
        default_factory=dict, description="Owner name in the export -> rep name of the team."
    )
    drop_owners: tuple[str, ...] = Field(
        default=(),
        description="Owners (system users, reps who left) whose opportunities are left out "
        "and listed.",
    )

    @model_validator(mode="before")
    @classmethod
    def _fill(cls, data: Any) -> Any:
        """The preset's keys under the given ones; listed values add to the defaults."""
        if not isinstance(data, dict):
            return data
        name = data.get("preset")
        preset = (PRESETS.get(name) if isinstance(name, str) else None) or {}
        out = {k: v for k, v in preset.items() if k not in _MERGED}
        out.update({k: v for k, v in data.items() if k not in _MERGED})
        defaults = {"status_values": _STATUS_VALUES, "kind_values": _KIND_VALUES, "columns": {}}
        for key in _MERGED:
            given = data.get(key, {})
            if not isinstance(given, dict):
                out[key] = given  # the model reports the type error
                continue
            out[key] = {**defaults[key], **preset.get(key, {}), **given}
        return out

    @model_validator(mode="after")
    def _check(self) -> OpportunitySpec:
        for k in self.columns:
            if k not in FIELDS:
                raise ValueError(f"columns.{k}: unknown field; expected one of {', '.join(FIELDS)}")
        for table in (self.status_values, self.kind_values):
            seen: dict[str, str] = {}
            for meaning, names in table.items():
                for n in names:
                    if seen.setdefault(n.strip().lower(), meaning) != meaning:
                        raise ValueError(
                            f"{n!r} means both {seen[n.strip().lower()]} and {meaning}"
                        )
        return self

    def column(self, field: str) -> str:
        """The export's column holding ``field``."""
        return self.columns.get(field, field)
