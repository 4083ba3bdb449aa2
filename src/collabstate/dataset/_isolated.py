"""Reading a file someone uploaded in a process of its own, under a limit of memory and time.

The readers check what a file declares before they read it (:mod:`._limits`), but a reader is a
library written in C or Rust: what it was not asked about can still take all the memory (and a
Rust allocation that fails aborts the process, with no exception to catch) or all the time. So the
web app reads an upload with :func:`read_source_isolated`: a child Python process reads it as
:func:`~collabstate.dataset.read_source` does, with its address space limited to what it has once
its libraries are loaded plus ``limits.memory`` (``RLIMIT_AS``), and is stopped after
``limits.seconds``. It hands the frame back as an Arrow IPC file. A child that runs out of memory
or time, or dies, is a :class:`ResponsesError` naming the file and the limit; the server's own
process is never at risk.

The child is ``python -m collabstate.dataset._isolated <folder>``: the folder holds the request
(a pickle this process wrote) and receives the answer.
"""

from __future__ import annotations

import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ._limits import ReadLimits, size_text
from ._problems import ResponsesError
from ._sources import Source, read_source

if TYPE_CHECKING:
    from ..instrument import Instrument

__all__ = ["read_source_isolated"]

_REQUEST, _FRAME, _SHORT, _ANSWER = "request.pickle", "frame.arrow", "short.arrow", "answer.json"


def read_source_isolated(path: str | Path, instrument: Instrument | None = None, *, name: str | None = None,
                         limits: ReadLimits | None = None) -> Source:  # fmt: skip
    """:func:`~collabstate.dataset.read_source` of the file at ``path``, in a child process under
    ``limits`` (default: :meth:`ReadLimits.from_env`); ``instrument`` tells it which columns hold
    codes (read as categoricals, as :func:`~collabstate.dataset.read_responses` does)."""
    limits = limits or ReadLimits.from_env()
    path = Path(path)
    label = name or path.name
    with tempfile.TemporaryDirectory(prefix="collabstate-read-") as folder:
        work = Path(folder)
        (work / _REQUEST).write_bytes(
            pickle.dumps({"path": str(path.absolute()), "name": label, "instrument": instrument, "limits": limits})
        )
        started = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, "-m", "collabstate.dataset._isolated", folder],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=limits.seconds,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ResponsesError(
                f"{label}: reading it took longer than the limit of {limits.seconds:g} seconds (COLLABSTATE_READ_SECONDS); nothing was read"
            ) from None
        answer = work / _ANSWER
        if not answer.exists():
            raise ResponsesError(_died(label, done.returncode, done.stderr, limits, time.monotonic() - started))
        result = json.loads(answer.read_text(encoding="utf-8"))
        if "error" in result:
            raise ResponsesError(result["error"])
        frame = pl.read_ipc(work / _FRAME)  # paths of our own: no pattern in them
        short = pl.read_ipc(work / _SHORT) if (work / _SHORT).exists() else None
    return Source(frame, result["header"], result["name"], result["first_row"], result["fmt"], short=short)


#: What a library says when the limit of memory stops it (a Rust allocation that fails aborts).
_OUT_OF_MEMORY = ("cannot allocate memory", "os error 12", "could not spawn threads", "memory allocation", "out of memory")


def _needs_more(label: str, limits: ReadLimits) -> str:
    return f"{label}: reading it needs more memory than the limit of {size_text(limits.memory)} (COLLABSTATE_READ_MEMORY); nothing was read"


def _died(label: str, code: int, stderr: bytes, limits: ReadLimits, seconds: float) -> str:
    text = stderr.decode("utf-8", "replace").lower()
    if any(sign in text for sign in _OUT_OF_MEMORY) or "memoryerror" in text or code in (-6, -9, 134, 137):
        return _needs_more(label, limits)
    return f"{label}: the reader stopped after {seconds:.1f} s without reading the file (exit {code}); nothing was read"


def _limit_memory(extra: int) -> None:
    """Allow this process its address space as it is now (interpreter and libraries) plus ``extra``."""
    try:
        status = Path("/proc/self/status").read_text()
        now = next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):  # pragma: no cover - not Linux: the limit is on the extra alone
        now = 0
    resource.setrlimit(resource.RLIMIT_AS, (now + extra, now + extra))


def _warm_up(folder: Path) -> None:
    """Start polars' thread pools (their threads' stacks are the libraries', not the read's): a
    tiny CSV read as the readers read."""
    tiny = folder / "warm-up.csv"
    tiny.write_text("a,b\n1,2\n", encoding="utf-8")
    pl.scan_csv(tiny, glob=False, infer_schema=False).collect(engine="streaming")
    pl.DataFrame({"a": [1, 2]}).select(pl.col("a").sum())


def _none_coded(heading: str | None) -> bool:
    return False


def _child(folder: Path) -> None:
    request: dict[str, Any] = pickle.loads((folder / _REQUEST).read_bytes())  # written by read_source_isolated, above
    limits: ReadLimits = request["limits"]
    instrument = request["instrument"]
    coded: Callable[[str | None], bool] = _none_coded
    if instrument is not None:
        from .validate import coded_columns

        coded = coded_columns(instrument)
    import fastexcel  # noqa: F401  (loaded before the limit: the libraries are not the read)
    import pyarrow.parquet  # noqa: F401
    import pyreadstat  # noqa: F401

    _warm_up(folder)
    _limit_memory(limits.memory)
    try:
        source = read_source(request["path"], name=request["name"], limits=limits, coded=coded)
        source.frame.write_ipc(folder / _FRAME)
        if source.short is not None:
            source.short.write_ipc(folder / _SHORT)
        answer: dict[str, Any] = {"header": source.header, "name": source.name, "first_row": source.first_row, "fmt": source.fmt}
    except ResponsesError as exc:
        out_of_memory = any(sign in str(exc).lower() for sign in _OUT_OF_MEMORY)
        answer = {"error": _needs_more(request["name"], limits) if out_of_memory else str(exc)}
    except MemoryError:
        answer = {"error": _needs_more(request["name"], limits)}
    except OSError as exc:
        answer = {"error": f"{request['name']}: {exc.strerror or exc}"}
    (folder / _ANSWER).write_text(json.dumps(answer), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - run as a child by read_source_isolated
    _child(Path(sys.argv[1]))
