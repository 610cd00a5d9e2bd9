"""Credential versions, kept in memory by every gateway replica.

A token carries its person's credential version at login (`cv`). When grids raises the
version (new password, other roles or place, account disabled) it broadcasts
`account.credentials_changed`; each replica keeps {person id: newest version} and refuses
older tokens (401 `credentials_changed`). Loaded from grids on the first authenticated
request, like the revoked tokens.
"""

from __future__ import annotations

import logging

from nameko.extensions import DependencyProvider

from common.errors import DomainError
from common.remote import call

log = logging.getLogger(__name__)


class CredentialVersions:
    def __init__(self) -> None:
        self._version: dict[int, int] = {}
        self.loaded = False

    def update(self, person_id: int, version: int) -> None:
        # events may arrive out of order: a version never goes back
        self._version[int(person_id)] = max(int(version), self._version.get(int(person_id), 0))

    def is_stale(self, person_id: int, version: int) -> bool:
        return version < self._version.get(int(person_id), 0)

    def load_from(self, grids_proxy) -> None:
        """Fill from grids once; if grids is away, try again on the next request."""
        if self.loaded:
            return
        try:
            for person_id, version in call(grids_proxy, "grids", "credential_versions", timeout=2).items():
                self.update(int(person_id), version)
            self.loaded = True
        except DomainError as error:
            log.warning("could not load credential versions yet: %s", error.code)


class Credentials(DependencyProvider):
    def setup(self) -> None:
        self.versions = CredentialVersions()

    def get_dependency(self, worker_ctx) -> CredentialVersions:
        return self.versions
