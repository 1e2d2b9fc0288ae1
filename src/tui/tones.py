"""Colours from the theme: every colour rotor puts on screen plays a role here, and each role is one of
the theme's variables, so choosing another theme (``ctrl+p``) recolours every pane.

The app builds a ``Tones`` from ``App.theme_variables`` (the ``$success``, ``$error``, ... of the
current theme) at start and again whenever the theme or the heatmap palette changes, and hands it to
every pane with the snapshot; nothing below the app names a colour. Text takes the theme's legible
``text-*`` variants, backgrounds (badges, heatmap tiles) the solid colours.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final, NamedTuple

from textual.color import Color, ColorParseError

#: Figures and marks drawn as text: the role and the theme variable it takes.
TEXT_ROLES: Final = {
    "up": "text-success",  # a rise
    "down": "text-error",  # a fall, a failure
    "warning": "text-warning",  # stale marks, milestones, the previous session's close
    "info": "text-primary",  # a provisional close, "refreshing", the Improving quadrant
    "accent": "text-accent",  # keys in the help
}
#: Badges and tiles (solid backgrounds): the role and the theme variable it takes.
FILL_ROLES: Final = {
    "up": "success",
    "down": "error",
    "warning": "warning",
    "info": "primary",
    "secondary": "secondary",  # the replay badge
    "neutral": "panel",  # a heatmap tile at 0 %
    "empty": "surface",  # a heatmap tile without data
    "shade": "panel",  # the pre- and post-market hours behind the 1D chart
}
#: Heatmap palettes: the fill roles of a rise and a fall. ``blue-orange`` keeps red and green apart
#: for red-green colour blindness (blue or purple against orange or yellow in the built-in themes).
PALETTES: Final = {"red-green": ("up", "down"), "blue-orange": ("info", "warning")}
DEFAULT_PALETTE: Final = "red-green"

#: Stand-ins where a theme has no solid colour (the ANSI themes' panel and surface are transparent).
_NO_FILL: Final = {"neutral": Color(68, 68, 68), "empty": Color(40, 40, 40), "shade": Color(48, 48, 48)}


def _colour(variables: Mapping[str, str], name: str, fallback: Color) -> Color:
    try:
        colour = Color.parse(variables[name])
    except (KeyError, ColorParseError):  # a theme without it, or a value such as "auto 60%"
        return fallback
    return colour if colour.a > 0 else fallback


def style_name(colour: Color) -> str:
    """``colour`` as a rich style colour (an ANSI colour stays ANSI, so the terminal's palette applies)."""
    return colour.rich_color.name


class Tones(NamedTuple):
    """The colours of one theme and heatmap palette. ``text`` holds rich colour names by role, ``fill``
    textual ``Color``s by role; ``palette`` is the heatmap palette's name. (A named tuple: it is built
    on the way to the first frame, and a frozen dataclass costs ten times as much to define.)"""

    text: Mapping[str, str]
    fill: Mapping[str, Color]
    palette: str = DEFAULT_PALETTE

    @classmethod
    def from_variables(cls, variables: Mapping[str, str], palette: str = DEFAULT_PALETTE) -> Tones:
        """The tones of a theme's CSS variables (``App.theme_variables``)."""
        white = Color(255, 255, 255)
        fill = {
            role: _colour(variables, name, _NO_FILL.get(role, white)) for role, name in FILL_ROLES.items()
        }
        text = {
            role: style_name(_colour(variables, name, fill.get(role, white)))
            for role, name in TEXT_ROLES.items()
        }
        return cls(text, fill, palette if palette in PALETTES else DEFAULT_PALETTE)

    # --- text ------------------------------------------------------------------------------------

    @property
    def up(self) -> str:
        return self.text["up"]

    @property
    def down(self) -> str:
        return self.text["down"]

    @property
    def warning(self) -> str:
        return self.text["warning"]

    @property
    def info(self) -> str:
        return self.text["info"]

    @property
    def accent(self) -> str:
        return self.text["accent"]

    def change(self, value: float | None) -> str:
        """A rise in the up colour, a fall in the down colour; no change plain, n/a dim."""
        if value is None:
            return "dim"
        return self.up if value > 0 else self.down if value < 0 else ""

    def badge(self, role: str) -> str:
        """A bold badge on the ``role`` fill, with black or white text, whichever reads better."""
        fill = self.fill[role]
        return f"bold {contrast(fill)} on {style_name(fill)}"

    # --- the heatmap ------------------------------------------------------------------------------

    def tile(self, value: float | None, scale: float) -> Color:
        """A heatmap tile for a return: from the neutral fill at 0 % to the palette's colour at
        ``scale`` and beyond. An ANSI colour cannot be blended: it shows from half the scale on."""
        if value is None or not math.isfinite(value):
            return self.fill["empty"]
        up, down = PALETTES[self.palette]
        end = self.fill[up if value >= 0 else down]
        t = min(1.0, abs(value) / scale)
        if end.ansi is not None:
            return end if t >= 0.5 else self.fill["neutral"]
        return self.fill["neutral"].blend(end, t)


def contrast(background: Color) -> str:
    """Black or white text, whichever reads better on ``background``."""
    return "black" if background.brightness > 0.55 else "white"
