"""Progress of a command's long steps on a terminal: a rich bar over the run's steps with the
current one named; nothing when the output is not a terminal or the user asked for quiet.

Library code reports steps through a ``progress(step: str)`` callback (a step's detail after a
colon, e.g. ``resolving parties: features``); this module only displays them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

Step = Callable[[str], None]
# what the library's step names mean to a user
STEP_LABELS = {"features": "normalizing", "predict": "scoring", "cluster": "clustering"}


@contextlib.contextmanager
def step_progress(
    title: str, steps: Sequence[str], console: Console, *, quiet: bool = False
) -> Iterator[Step]:
    """Yield the ``progress`` callback of a run whose top-level steps are ``steps`` (in order).

    The bar counts finished steps (a step not in ``steps`` adds one); the line names the step
    and its detail and shows the time since the run started (the display is removed at the
    end: the command's summary follows). With ``quiet`` or a console that
    is not a terminal (a pipe, a log file, CI) the callback does nothing.
    """
    if quiet or not console.is_terminal:
        yield lambda _step: None
        return
    known = [STEP_LABELS.get(s, s) for s in steps]
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("steps"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with progress:
        task = progress.add_task(title, total=len(known) or 1)
        done: list[str] = []

        def update(step: str) -> None:
            step = ": ".join(STEP_LABELS.get(p.strip(), p.strip()) for p in step.split(":"))
            top = step.split(":", 1)[0]
            if top not in done:
                done.append(top)
                if top not in known:
                    known.append(top)
            position = known.index(top)
            progress.update(
                task,
                description=f"{title}: {step}",
                completed=position,
                total=len(known),
            )

        yield update
        progress.update(task, completed=len(known), description=f"{title}: done")
