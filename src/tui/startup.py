"""Start-up of the app: ``run`` (the entry the CLI calls), and the cyclic garbage collector held off until
the first frames are up.

Start-up allocates objects that live as long as the app (modules, styles, widgets, the snapshot), so
collections during it find next to nothing and cost ~15 ms in imports and ~20 ms in the first frames, a
full pass over everything imported included (bench/startup.py). The entry point (``rotor.cli.run_app``)
holds the collector from before it imports textual; the app calls ``release`` once every pane is mounted
(``RotorApp(on_started=...)``). Collection then resumes, with what start-up built frozen out of later
passes, which keeps them short while the app idles. This module imports nothing heavy: it runs first.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from rotor.data.feed import Feed


@contextmanager
def collector_held() -> Iterator[Callable[[], None]]:
    """Hold the cyclic garbage collector off; the context gives ``release``, which resumes it (and
    freezes what exists by then). Leaving the context releases it too. A collector that was already
    off stays off."""
    held = gc.isenabled()
    gc.disable()

    def release() -> None:
        nonlocal held
        if held:
            held = False
            gc.freeze()
            gc.enable()

    try:
        yield release
    finally:
        release()


def run(
    feed: Feed,
    *,
    theme: str | None = None,
    palette: str | None = None,
    state_file: Path | None = None,
    run_options: dict[str, Any] | None = None,
    **options: Any,
) -> int:
    """Run the app until the user quits; the exit code for the CLI. ``theme`` and ``palette`` (the
    config file's, when it sets them) win over those remembered in ``state_file``; ``options`` go to
    ``rotor.tui.app.create_app`` (``on_started``: ``collector_held``'s ``release``), ``run_options`` to
    ``App.run``."""
    from rotor.tui.app import create_app
    from rotor.tui.preferences import load_preferences

    remembered = load_preferences(state_file)
    look = {"theme": theme or remembered.theme, "palette": palette or remembered.palette}
    app = create_app(feed, state_file=state_file, **look, **options)
    try:
        result = app.run(**(run_options or {}))
    finally:
        feed.close()
    return result if isinstance(result, int) else 0
