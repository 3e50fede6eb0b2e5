"""Generated documents on disk, under one configurable root, encrypted (``encryption.Keyring``)
and readable by the service's own user only: folders 0700, files 0600. A document's files are
written once; they are rewritten only to move them to the current key (same content), and
deleted when the transaction that was to record them fails or their version is no longer kept.
Paths inside the store never leave the service."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from services.documents.encryption import KeyProblem, Keyring, key_id_of

FOLDER_MODE = 0o700
FILE_MODE = 0o600


class FileStore:
    def __init__(self, root: str | Path, keyring: Keyring | None = None) -> None:
        self.root = Path(root).resolve()
        # None: a store that only lists and deletes (the sweep).
        self.keyring = keyring

    def write(self, relative: str, content: bytes) -> tuple[str, str]:
        """Store ``content`` encrypted; returns (path relative to the root, sha256 hex of the
        content)."""
        target = self._inside(relative)
        self._folders_for(target)
        self._replace(target, self._keys().encrypt(content, relative))
        return relative, hashlib.sha256(content).hexdigest()

    def read(self, relative: str, expected_sha256: str | None = None) -> bytes:
        """The content of a file. A file from before encryption (plain) is accepted only when it
        matches ``expected_sha256``, the digest its document row recorded."""
        blob = self._inside(relative).read_bytes()
        if key_id_of(blob) is None:
            if expected_sha256 is None or hashlib.sha256(blob).hexdigest() != expected_sha256:
                raise KeyProblem(f"document file {relative!r} is neither encrypted nor as recorded")
            return blob
        return self._keys().decrypt(blob, relative)

    def is_current(self, relative: str) -> bool:
        """Whether the file is encrypted with the current key (reading its header only)."""
        with open(self._inside(relative), "rb") as file:
            head = file.read(64)
        return key_id_of(head) == self._keys().current_id

    def reencrypt(self, relative: str, expected_sha256: str | None = None) -> bool:
        """Move one file to the current key (and to private permissions); False if it was
        already there."""
        target = self._inside(relative)
        if self.is_current(relative) and target.stat().st_mode & 0o077 == 0:
            return False
        content = self.read(relative, expected_sha256)
        self._folders_for(target)
        self._replace(target, self._keys().encrypt(content, relative))
        return True

    def delete(self, relative: str) -> None:
        self._inside(relative).unlink(missing_ok=True)

    def exists(self, relative: str) -> bool:
        return self._inside(relative).is_file()

    def absolute(self, relative: str) -> Path:
        """For the service's own tools (the sweep, tests): never put this in a reply."""
        return self._inside(relative)

    def _keys(self) -> Keyring:
        if self.keyring is None:
            raise KeyProblem("this file store was opened without keys")
        return self.keyring

    def _folders_for(self, target: Path) -> None:
        for folder in (self.root, target.parent):
            folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
            os.chmod(folder, FOLDER_MODE)

    @staticmethod
    def _replace(target: Path, blob: bytes) -> None:
        temporary = target.with_suffix(target.suffix + ".part")
        temporary.unlink(missing_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(descriptor, "wb") as file:
            file.write(blob)
        os.replace(temporary, target)

    def _inside(self, relative: str) -> Path:
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root):
            raise ValueError("the path escapes the document store")
        return target
