"""A MaxMind DB reader that follows its file: opened when it appears, reopened when it changes.

Readers use the ``maxminddb`` C extension with a memory map (``MODE_AUTO``).
Replace database files atomically (write a temporary file, then rename), as
``geoipupdate`` does: the old map stays valid until the swap.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import maxminddb

log = logging.getLogger(__name__)

Signature = tuple[int, int, int]


def _signature(path: str) -> Signature | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


class FollowingReader:
    """Holds the current reader of ``path`` (None while the file is missing or unreadable)."""

    def __init__(self, path: str, role: str):
        self.path = path
        self.role = role
        self.reader: maxminddb.Reader | None = None
        self.database_type: str | None = None
        self._signature: Signature | None = None
        self._warned = False
        self._signature = _signature(path)
        if self._signature is None:
            self._warn_missing()
        else:
            self.reader = self._open()

    def refresh(self) -> bool:
        """Reopen the file when its signature changed; True when the reader changed."""
        signature = _signature(self.path)
        if signature == self._signature:
            return False
        self._signature = signature
        old = self.reader
        self.reader = self._open() if signature is not None else None
        if signature is None:
            self._warn_missing()
        if old is not None:
            old.close()
        return old is not None or self.reader is not None

    def _open(self) -> maxminddb.Reader | None:
        try:
            reader = maxminddb.open_database(self.path, maxminddb.MODE_AUTO)
        except (OSError, ValueError, maxminddb.InvalidDatabaseError) as err:
            self._warn(f"{self.role} database {self.path} cannot be read ({err}): {self.role} look-ups are off")
            return None
        self.database_type = reader.metadata().database_type
        log.info("%s database %s loaded (%s)", self.role, self.path, self.database_type)
        self._warned = False
        return reader

    def _warn_missing(self) -> None:
        self._warn(f"{self.role} database {self.path} not found: {self.role} look-ups are off until it appears")

    def _warn(self, message: str) -> None:
        if not self._warned:
            log.warning(message)
            self._warned = True

    def get(self, address: Any) -> Any:
        reader = self.reader
        if reader is None:
            return None
        try:
            return reader.get(address)
        except (ValueError, maxminddb.InvalidDatabaseError):
            return None

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
            self.reader = None
