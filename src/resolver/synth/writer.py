"""Buffered CSV sinks that stream rows to disk in chunks."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType


class CsvSink:
    """A UTF-8 CSV file written in chunks of ``chunk`` rows (``buf`` may be appended to directly)."""

    def __init__(self, path: Path, header: Sequence[str], chunk: int = 8192):
        self.path = path
        self._fh = path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
        self._writer = csv.writer(self._fh, lineterminator="\n")
        self._writer.writerow(header)
        self.buf: list[Sequence[str]] = []
        self._chunk = chunk
        self.rows = 0

    def write(self, row: Sequence[str]) -> None:
        """Queue one row; flushes when the chunk is full."""
        self.buf.append(row)
        if len(self.buf) >= self._chunk:
            self.flush()

    def write_many(self, rows: Iterable[Sequence[str]]) -> None:
        """Queue several rows."""
        for row in rows:
            self.write(row)

    def flush(self) -> None:
        """Write queued rows to the file."""
        if self.buf:
            self._writer.writerows(self.buf)
            self.rows += len(self.buf)
            self.buf.clear()

    def close(self) -> None:
        """Flush and close the file."""
        self.flush()
        self._fh.close()

    def __enter__(self) -> CsvSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
