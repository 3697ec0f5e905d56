"""The `replica` database alias of a test, pointed at the replica's copy of the test database.

The settings of the test suite have no replica (no DATABASE_REPLICA_URL). A test that reads from
one registers the alias before Django's test case starts (tests/config/conftest.py), so that it
may name it in `databases`; as a mirror of the default database it is never flushed.
"""

import os

from django.db import connections

from config.db_routers import REPLICA, forget_replica_checks

# Where scripts/replica runs the local replica.
REPLICA_PORT = int(os.environ.get("REPLICA_PORT", "5433"))


def point_replica(port: int) -> None:
    """The replica alias on 127.0.0.1:port, on the test database (whatever answers there)."""
    unregister_replica()
    config = {**connections["default"].settings_dict, "HOST": "127.0.0.1", "PORT": str(port)}
    config["OPTIONS"] = {**config.get("OPTIONS", {}), "connect_timeout": 2}
    config["TEST"] = {"MIRROR": "default"}
    connections.settings[REPLICA] = config
    forget_replica_checks()


def unregister_replica() -> None:
    if REPLICA in connections.settings:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]
    forget_replica_checks()
