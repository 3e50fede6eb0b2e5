"""Generated documents on disk, under one configurable root. Files are written once, never
overwritten: a regenerated document is a new file. A file is deleted only when the transaction
that was to record it fails."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


class FileStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def write(self, relative: str, content: bytes) -> tuple[str, str]:
        """Store ``content``; returns (path relative to the root, sha256 hex)."""
        target = self._inside(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(target.suffix + ".part")
        temporary.write_bytes(content)
        os.replace(temporary, target)
        return relative, hashlib.sha256(content).hexdigest()

    def delete(self, relative: str) -> None:
        self._inside(relative).unlink(missing_ok=True)

    def read(self, relative: str) -> bytes:
        return self._inside(relative).read_bytes()

    def absolute(self, relative: str) -> Path:
        return self._inside(relative)

    def _inside(self, relative: str) -> Path:
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root):
            raise ValueError(f"path {relative!r} escapes the document store")
        return target
