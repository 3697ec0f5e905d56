import pytest

from tests.config.replicas import REPLICA_PORT, point_replica, unregister_replica


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before any fixture: Django's test case checks the aliases in `databases` exist.
    if "replica" in getattr(item, "fixturenames", ()):
        point_replica(REPLICA_PORT)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    if "replica" in getattr(item, "fixturenames", ()):
        unregister_replica()
