"""Where attachment bytes live: a store with put/get behind an interface, content-addressed.

The default keeps files on local disk under var/attachments/ab/cd/<sha256>; an S3-compatible
store only has to implement the same two methods (and be named in GOV_ATTACHMENT_STORE).
"""

from __future__ import annotations

import hashlib
import importlib
import os
from pathlib import Path
from typing import Protocol

from common.config import VAR_DIR, env


class AttachmentStore(Protocol):
    def put(self, content: bytes) -> str:
        """Store the bytes; return their sha256 (storing the same bytes twice is a no-op)."""

    def get(self, sha256: str) -> bytes | None:
        """The bytes stored under this hash, or None."""


class LocalStore:
    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root else Path(env("GOV_ATTACHMENTS_DIR") or (VAR_DIR / "attachments"))

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        path = self._path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # write then rename: a reader never sees half a file, two writers never clash
            tmp = path.with_name(f"{digest}.{os.getpid()}.tmp")
            tmp.write_bytes(content)
            tmp.replace(path)
        return digest

    def get(self, sha256: str) -> bytes | None:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            return None
        path = self._path(sha256)
        return path.read_bytes() if path.exists() else None


def default_store() -> AttachmentStore:
    """`GOV_ATTACHMENT_STORE=package.module:Class` swaps in another store (e.g. S3)."""
    spec = env("GOV_ATTACHMENT_STORE")
    if not spec:
        return LocalStore()
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)()
