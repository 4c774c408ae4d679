"""Files written so that a reader, in this process or another, never sees half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, body: bytes) -> None:
    """Write to a temp file in the same directory, then rename: readers never see half a file.

    The directory is made if missing; the temp file is removed if anything fails.

    Raises:
        OSError: If the directory, the file or the rename cannot be made.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(body)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
