"""Settings for the quick start and local development."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env_bool

DEBUG = env_bool("DEBUG", True)

# Demo data, the benchmark and the load test: never installed in production.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]
