"""Faults share the e2e platform fixtures."""

from tests.e2e.conftest import platform_module  # noqa: F401
