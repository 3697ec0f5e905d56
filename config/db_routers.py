"""Which database a query goes to: the primary, or the streaming replica for supervisors' reads.

With `DATABASE_REPLICA_URL` set the settings add the alias `replica`. Reads go there only inside
a view marked `@replica_reads` (the supervisors' read-only pages and exports), only for GET and
HEAD, only when this browser has not written in the last `DATABASE_REPLICA_STICKY_SECONDS`
(its own write would not be on the replica yet), and only when the replica answers and is no
more than `DATABASE_REPLICA_MAX_LAG_SECONDS` behind. Everything else stays on the primary: every
write, every read inside a transaction, the sessions, the lockout records and the access log
(its rows are written by the reading request itself, and its hash chain reads the last row).
Migrations run on the primary only.
"""

import contextvars
import functools
import logging
import time

from django.conf import settings
from django.db import DatabaseError, connections

REPLICA = "replica"
PRIMARY = "default"

# Whose reads must see their own writes at once, or are writes' companions.
PRIMARY_ONLY_APPS = {"sessions", "axes"}
PRIMARY_ONLY_MODELS = {("permissions", "accesslog")}

# The signed cookie saying this browser wrote a moment ago.
WROTE_COOKIE = "wrote"
WROTE_SALT = "config.db_routers.wrote"

SAFE_METHODS = {"GET", "HEAD"}

logger = logging.getLogger(__name__)

# The alias the reads of the current request go to (None: the router does not choose).
_reads_from: contextvars.ContextVar[str | None] = contextvars.ContextVar("reads_from", default=None)

# alias -> (monotonic time of the check, usable); one per process, so a replica that lags or
# does not answer costs one check every few seconds, not one per request.
_checked: dict[str, tuple[float, bool]] = {}


def replica_configured() -> bool:
    return REPLICA in connections.settings


def forget_replica_checks() -> None:
    """Check the replica again on the next marked request (a test changes the replica's state)."""
    _checked.clear()


def _lag_seconds(alias: str) -> float | None:
    """How far behind the replica is, 0 when it has replayed all it received from a live stream.

    `now() - pg_last_xact_replay_timestamp()` alone grows while the primary is idle, so a
    replica that streams and has replayed everything it received counts as caught up. A
    server that is not in recovery is a primary: nothing to lag behind. None: never replayed."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            """
            SELECT CASE
                WHEN NOT pg_is_in_recovery() THEN 0
                WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
                     AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
                ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
            END
            """
        )
        lag = cursor.fetchone()[0]
    return None if lag is None else float(lag)


def replica_usable(alias: str = REPLICA) -> bool:
    """Whether the replica answers and is within the allowed lag (checked every few seconds)."""
    now = time.monotonic()
    cached = _checked.get(alias)
    if cached is not None and now - cached[0] < settings.DATABASE_REPLICA_CHECK_SECONDS:
        return cached[1]
    try:
        lag = _lag_seconds(alias)
    except DatabaseError as exc:
        logger.warning("replica %s skipped: it does not answer (%s)", alias, exc)
        connections[alias].close()
        usable = False
    else:
        usable = lag is not None and lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS
        if not usable:
            logger.warning("replica %s skipped: %s s behind", alias, "?" if lag is None else f"{lag:.1f}")
    _checked[alias] = (now, usable)
    return usable


def wrote_recently(request) -> bool:
    return (
        request.get_signed_cookie(
            WROTE_COOKIE, default=None, salt=WROTE_SALT, max_age=settings.DATABASE_REPLICA_STICKY_SECONDS
        )
        is not None
    )


def reads_alias_for(request) -> str | None:
    """The replica, when this request's reads may go there; None keeps them on the primary."""
    if request.method not in SAFE_METHODS or not replica_configured() or wrote_recently(request):
        return None
    return REPLICA if replica_usable() else None


def replica_reads(view):
    """Mark a read-only view whose reads may come from the replica (see the module docstring)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        token = _reads_from.set(reads_alias_for(request))
        try:
            return view(request, *args, **kwargs)
        finally:
            _reads_from.reset(token)

    return wrapped


class WroteMarkerMiddleware:
    """After a request that may write (any method but GET, HEAD, OPTIONS, TRACE), mark the
    browser for a few seconds so that its next reads stay on the primary and see the write."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in {"GET", "HEAD", "OPTIONS", "TRACE"} and replica_configured():
            response.set_signed_cookie(
                WROTE_COOKIE,
                "1",
                salt=WROTE_SALT,
                max_age=settings.DATABASE_REPLICA_STICKY_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


class ReplicaRouter:
    """Reads to the replica inside a marked scope, everything else to the primary."""

    def db_for_read(self, model, **hints):
        alias = _reads_from.get()
        if alias is None:
            return PRIMARY
        meta = model._meta
        if meta.app_label in PRIMARY_ONLY_APPS or (meta.app_label, meta.model_name) in PRIMARY_ONLY_MODELS:
            return PRIMARY
        # A read in the same transaction as a write must see that write.
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return alias

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # One database seen through two doors: a row read on the replica may be linked to one
        # written on the primary.
        return {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
