"""How a file writes its text, numbers and dates: the reading options that the
``[opportunities]`` and ``[actuals]`` tables share.

Every option left out is detected where it can be (encoding, delimiter,
decimal separator, currency, the order of day and month) and the reader says
what it detected; nothing that cannot be told is guessed.
"""

from __future__ import annotations

import codecs
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["FileFormat"]


class FileFormat(BaseModel):
    """Reading options of an exported table (CSV unless said otherwise)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    encoding: str | None = Field(
        default=None,
        description="Text encoding, e.g. 'utf-8' or 'cp1252' (default: UTF-8, else "
        "Windows-1252, detected).",
    )
    delimiter: str | None = Field(
        default=None,
        description="Field delimiter: ',', ';', '\\t' or '|' (default: detected).",
    )
    decimal: Literal[".", ","] | None = Field(
        default=None, description="Decimal separator (default: detected, else '.')."
    )
    thousands: Literal[",", ".", " ", "'", ""] | None = Field(
        default=None,
        description="Thousands separator ('' for none; default: the other of , and . or a space).",
    )
    currency: str | None = Field(
        default=None,
        description="Currency code or symbol written before or after amounts, e.g. 'USD' "
        "(default: detected; one currency per file).",
    )
    date_format: str | None = Field(
        default=None,
        description="strftime format of dates, e.g. '%d/%m/%Y' (default: ISO, or day-first / "
        "month-first when the file shows which).",
    )
    skip_footer: int | Literal["auto"] = Field(
        default=0,
        description="Rows to leave out at the end, a count (a report's footer), or 'auto' for the "
        "trailing rows with a single field.",
    )

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                codecs.lookup(v)
            except LookupError:
                raise ValueError(f"{v!r} is not a known encoding") from None
        return v

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, v: str | None) -> str | None:
        if v is not None:
            v = {"tab": "\t", "\\t": "\t"}.get(v, v)
            if len(v) != 1:
                raise ValueError(f"{v!r}: a delimiter is one character")
        return v

    @field_validator("date_format")
    @classmethod
    def _has_codes(cls, v: str | None) -> str | None:
        if v is not None and "%" not in v:
            raise ValueError(f"{v!r}: use strftime codes, e.g. '%d/%m/%Y'")
        return v

    @field_validator("skip_footer")
    @classmethod
    def _not_negative(cls, v: int | str) -> int | str:
        if isinstance(v, int) and v < 0:
            raise ValueError("must be >= 0 or 'auto'")
        return v
