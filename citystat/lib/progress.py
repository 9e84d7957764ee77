"""Rich progress bars for long CLI work, quiet when not in a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn


def make_progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
        disable=not sys.stderr.isatty(),
    )


@contextmanager
def fraction_progress(description: str, enabled: bool = True) -> Iterator[Callable[[float], None]]:
    """Yield a callback that moves a bar to a fraction between 0 and 1."""
    if not enabled:
        yield lambda fraction: None
        return
    with make_progress() as progress:
        task = progress.add_task(description, total=1.0)
        yield lambda fraction: progress.update(task, completed=fraction)
