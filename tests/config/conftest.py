import pytest

from tests.config.replicas import point_replica, unregister_replica

REPLICA_PORT_DEFAULT = 5433


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before any fixture: Django's test case checks the aliases in `databases` exist.
    if "replica" in getattr(item, "fixturenames", ()):
        from tests.config.test_replica import REPLICA_PORT

        point_replica(REPLICA_PORT)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    if "replica" in getattr(item, "fixturenames", ()):
        unregister_replica()
