"""Progress bars (tqdm) that show on a terminal only; quiet in CI unless --verbose."""

from __future__ import annotations

import os
import sys

from tqdm import tqdm


def enabled(verbose: bool = False, stream=None) -> bool:
    stream = stream or sys.stderr
    if verbose:
        return True
    if os.environ.get("CI"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def progress(iterable, desc: str, verbose: bool = False, total: int | None = None, stream=None, unit: str = "page"):
    stream = stream or sys.stderr
    tqdm.monitor_interval = 0  # no monitor thread: it kept a finished run alive for up to 10 s
    return tqdm(iterable, desc=desc, total=total, disable=not enabled(verbose, stream), file=stream,
                leave=False, unit=unit, dynamic_ncols=True)
