"""How figures are written for people: one place for the report and the app.

Every function takes ``None`` (an undefined figure) and returns ``"n/a"`` for it.
"""

from __future__ import annotations

import math

NA = "n/a"


def _ok(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def price(value: float | None, unit: str = "") -> str:
    """A level with precision that suits its size: 6,915.61 / 97.60 / 5.275 / 4.239%."""
    if not _ok(value):
        return NA
    assert value is not None
    if unit == "%":
        return f"{value:.3f}%"
    digits = 2 if abs(value) >= 10 else 3
    return f"{value:,.{digits}f}"


def level(value: float, unit: str = "") -> str:
    """A round level as people say it: ``$5,000``, ``50,000``, ``$6``, ``$0.5``, ``4.5%``."""
    text = f"{value:,.0f}" if value == int(value) else f"{value:,.4f}".rstrip("0")
    if unit == "%":
        return f"{text}%"
    return f"${text}" if unit.startswith("$") else text


def pct(value: float | None, digits: int = 2, *, sign: bool = True) -> str:
    """A percent change: ``+1.25%``."""
    if not _ok(value):
        return NA
    return f"{value:+.{digits}f}%" if sign else f"{value:.{digits}f}%"


def points(value: float | None, digits: int = 2) -> str:
    """A difference of two returns in percentage points: ``+1.25 pts``."""
    if not _ok(value):
        return NA
    return f"{value:+.{digits}f} pts"


def basis_points(value: float | None) -> str:
    """A change in basis points: ``+12 bp``."""
    if not _ok(value):
        return NA
    return f"{value:+.0f} bp"


def yield_change_bp(last: float | None, base: float | None) -> float | None:
    """Change of a yield quoted in percent (``^TNX``: 4.239 = 4.239 %) in basis points."""
    if not _ok(last) or not _ok(base):
        return None
    assert last is not None and base is not None
    return (last - base) * 100.0


def base_from_change(last: float | None, pct: float | None) -> float | None:
    """The level a % change was measured from: ``last / (1 + pct/100)`` (e.g. to say a yield's change
    in basis points from its % change)."""
    if not _ok(last) or not _ok(pct):
        return None
    assert last is not None and pct is not None
    if pct <= -100.0:  # a fall of 100 % or more has no positive base
        return None
    return last / (1.0 + pct / 100.0)


def spark(values: tuple[float, ...] | list[float], width: int = 20) -> str:
    """A unicode block sparkline of the last ``width`` values (min to max scaled)."""
    blocks = "▁▂▃▄▅▆▇█"
    data = [v for v in values if math.isfinite(v)][-width:]
    if not data:
        return ""
    lo, hi = min(data), max(data)
    if hi == lo:
        return blocks[3] * len(data)
    return "".join(blocks[round((v - lo) / (hi - lo) * (len(blocks) - 1))] for v in data)


def evidence(label: str, value: float | int | str | None, symbol: str | None = None, unit: str = "") -> str:
    """One figure behind a risk note: ``SI=F change this week -22.43%``; counts stay integers."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, (bool, int)):
        text = str(int(value))
    elif not _ok(value):
        text = NA
    elif unit.startswith("$"):
        text = price(value)  # a price keeps its precision: 5.275 $/MMBtu, not 5.28
    else:
        assert value is not None
        text = f"{value:,.{0 if unit == 'bp' else 2}f}"
    who = f"{symbol} " if symbol else ""
    suffix = unit if unit in ("%", "") else f" {unit}"
    return f"{who}{label} {text}{suffix if text != NA else ''}"
