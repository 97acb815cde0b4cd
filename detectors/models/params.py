"""Validated model parameters (the ``model:`` section of a detector config).

Unknown keys are rejected with the key's name, so a typo in ``--set`` or a
config fails loudly:

>>> ModelParams(warmup=10).warmup
10
>>> try:
...     validate_params({"kind": "auto", "threshhold": 0.5})
... except ParamError as err:
...     print(err.problems[0][0])
threshhold
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from detectors.models.base import Direction, Seasonality


class ModelParams(BaseModel):
    """Every tunable of a series model, with its default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field("auto", description="model design: auto, robust, naive, holtwinters")
    warmup: int = Field(30, ge=2, le=100_000, description="points learned before any score is given")
    threshold: float = Field(0.5, gt=0.0, le=1.0, description="score at or above which a point is anomalous")
    seasonality: Seasonality = Field(Seasonality.AUTO, description="auto, none, daily or weekly")
    sensitivity: float = Field(1.0, gt=0.0, le=100.0, description="multiplies the surprise; >1 alarms earlier")
    direction: Direction = Field(Direction.BOTH, description="up, down or both")
    min_value: float | None = Field(
        None, description="floor: values at or below it never alarm upward, expectations at or below it never alarm downward"
    )
    window: int = Field(60, ge=4, le=100_000, description="memory of the baseline in points")
    counts: bool | None = Field(None, description="Poisson-aware floor for counts; None detects non-negative integers")
    suppress: bool = Field(True, description="score high at an episode's onset, damped while it lasts")
    shift_points: int = Field(12, ge=1, le=100_000, description="a same-sign episode this long is a level shift: re-base")


class ParamError(ValueError):
    """Bad model parameters; ``problems`` lists (key, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{key}: {msg}" for key, msg in problems))


def validate_params(params: dict[str, Any]) -> ModelParams:
    """Validate a parameter mapping, naming each bad key.

    >>> validate_params({"warmup": "12", "direction": "up"}).direction.value
    'up'
    >>> try:
    ...     validate_params({"colour": "red"})
    ... except ParamError as err:
    ...     print(str(err)[:35])
    colour: unknown model parameter (kn
    """
    try:
        return ModelParams.model_validate(params)
    except ValidationError as err:
        problems = []
        for item in err.errors():
            key = ".".join(str(p) for p in item["loc"]) or "(params)"
            if item["type"] == "extra_forbidden":
                known = ", ".join(sorted(ModelParams.model_fields))
                problems.append((key, f"unknown model parameter (known: {known})"))
            else:
                problems.append((key, item["msg"]))
        raise ParamError(problems) from None
