"""Fixtures shared by the integration tests beyond tests/conftest.py."""

from tests.integration.cloud_support import cloud, cloud_server  # noqa: F401
