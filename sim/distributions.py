"""Small distribution objects: ``sample(rng, size)``, ``quantile(u)``, ``mean``, ``variance``.

Scenario files name a distribution with ``dist = "..."`` and its moments; the
objects turn those into numpy draws. Parametrising by mean and coefficient of
variation keeps scenario files readable for non-statisticians.
"""

from __future__ import annotations

import typing
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy import special

__all__ = ["DISTRIBUTIONS", "Distribution", "Fixed", "Gamma", "LogNormal", "Normal", "Pareto"]


class _Dist(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Fixed(_Dist):
    """Every draw equals ``value``."""

    dist: Literal["fixed"] = Field(default="fixed", description="Which distribution.")
    value: float = Field(description="The value of every draw, in the key's unit.")

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, size) -> np.ndarray:
        return np.full(size, self.value, dtype=float)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), self.value, dtype=float)

    def scaled(self, f: float) -> Fixed:
        """The distribution of ``f`` (> 0) times a draw (deal sizes in a sweep's markets)."""
        return self.model_copy(update={"value": self.value * f})


class Normal(_Dist):
    """Normal with ``mean`` and ``sd``, optionally clipped to ``[low, high]``."""

    dist: Literal["normal"] = Field(default="normal", description="Which distribution.")
    mean_: float = Field(alias="mean", description="Mean, in the key's unit.")
    sd: float = Field(ge=0, description="Standard deviation, in the key's unit.")
    low: float | None = Field(
        default=None, description="Draws below are clipped up to this (the key's unit)."
    )
    high: float | None = Field(
        default=None, description="Draws above are clipped down to this (the key's unit)."
    )

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.sd**2

    def sample(self, rng: np.random.Generator, size) -> np.ndarray:
        x = self.mean_ + self.sd * rng.standard_normal(size)
        if self.low is not None or self.high is not None:
            x = np.clip(x, self.low, self.high)
        return x

    def quantile(self, u: np.ndarray) -> np.ndarray:
        x = self.mean_ + self.sd * special.ndtri(u)
        if self.low is not None or self.high is not None:
            x = np.clip(x, self.low, self.high)
        return x

    def scaled(self, f: float) -> Normal:
        """The distribution of ``f`` (> 0) times a draw (deal sizes in a sweep's markets)."""
        low, high = (None if x is None else x * f for x in (self.low, self.high))
        return self.model_copy(
            update={"mean_": self.mean_ * f, "sd": self.sd * f, "low": low, "high": high}
        )


class LogNormal(_Dist):
    """Log-normal with the given ``mean`` and coefficient of variation ``cv``.

    Right-skewed and heavy-tailed: the usual model for key-account deal sizes
    and for rep productivity.
    """

    dist: Literal["lognormal"] = Field(default="lognormal", description="Which distribution.")
    mean_: float = Field(alias="mean", gt=0, description="Mean, in the key's unit.")
    cv: float = Field(ge=0, description="Coefficient of variation (sd ÷ mean), unitless.")

    @property
    def sigma(self) -> float:
        return float(np.sqrt(np.log1p(self.cv**2)))

    @property
    def mu(self) -> float:
        return float(np.log(self.mean_) - 0.5 * self.sigma**2)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return (self.cv * self.mean_) ** 2

    def sample(self, rng: np.random.Generator, size) -> np.ndarray:
        return rng.lognormal(self.mu, self.sigma, size)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        return np.exp(self.mu + self.sigma * special.ndtri(u))

    def scaled(self, f: float) -> LogNormal:
        """The distribution of ``f`` (> 0) times a draw (deal sizes in a sweep's markets)."""
        return self.model_copy(update={"mean_": self.mean_ * f})


class Gamma(_Dist):
    """Gamma with the given ``mean`` and ``sd`` (tenure, cycle lengths)."""

    dist: Literal["gamma"] = Field(default="gamma", description="Which distribution.")
    mean_: float = Field(alias="mean", gt=0, description="Mean, in the key's unit.")
    sd: float = Field(gt=0, description="Standard deviation, in the key's unit.")

    @property
    def shape(self) -> float:
        return (self.mean_ / self.sd) ** 2

    @property
    def scale(self) -> float:
        return self.sd**2 / self.mean_

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.sd**2

    def sample(self, rng: np.random.Generator, size) -> np.ndarray:
        return rng.gamma(self.shape, self.scale, size)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        return self.scale * special.gammaincinv(self.shape, u)

    def scaled(self, f: float) -> Gamma:
        """The distribution of ``f`` (> 0) times a draw (deal sizes in a sweep's markets)."""
        return self.model_copy(update={"mean_": self.mean_ * f, "sd": self.sd * f})


class Pareto(_Dist):
    """Pareto (type I) with minimum ``scale`` and tail index ``alpha`` > 2.

    For the heaviest-tailed deal books: a few mega-deals dominate the year.
    """

    dist: Literal["pareto"] = Field(default="pareto", description="Which distribution.")
    scale: float = Field(gt=0, description="Smallest value, in the key's unit.")
    alpha: float = Field(gt=2, description="Tail index, unitless (smaller: heavier tail).")

    @property
    def mean(self) -> float:
        return self.alpha * self.scale / (self.alpha - 1)

    @property
    def variance(self) -> float:
        a = self.alpha
        return self.scale**2 * a / ((a - 1) ** 2 * (a - 2))

    def sample(self, rng: np.random.Generator, size) -> np.ndarray:
        return self.scale * (1.0 + rng.pareto(self.alpha, size))

    def quantile(self, u: np.ndarray) -> np.ndarray:
        return self.scale * (1.0 - np.asarray(u)) ** (-1.0 / self.alpha)

    def scaled(self, f: float) -> Pareto:
        """The distribution of ``f`` (> 0) times a draw (deal sizes in a sweep's markets)."""
        return self.model_copy(update={"scale": self.scale * f})


Distribution = Annotated[Fixed | Normal | LogNormal | Gamma | Pareto, Field(discriminator="dist")]

#: Every distribution a scenario key may hold (the members of :data:`Distribution`).
DISTRIBUTIONS: tuple[type, ...] = typing.get_args(typing.get_args(Distribution)[0])
