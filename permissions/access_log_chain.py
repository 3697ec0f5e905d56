"""The access log's hash chain: each row's hash covers its own fields and the previous row's hash.

A row changed, deleted or inserted out of order behind the app's back breaks the chain from
that row on, and `manage.py verify_access_log` names the first row that does not match.

The canonical form is frozen: every stored hash depends on it, and PostgreSQL computes the same
form in a trigger (permissions migration 0005), so a change here must change both and re-hash.
Each field is written as ``<length>:<value>;`` so no value can imitate a field boundary. The
API token's name is the last field and is written only when there is one, so a browser's row
hashes as it did before tokens were named in the chain.
"""

import hashlib
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# The columns of a row, in the order the canonical form lists them (after the previous hash).
FIELDS = ("id", "user_id", "at", "person_id", "action", "record_types", "reason", "ip", "path", "token_name")
# Written only when not empty.
OPTIONAL_TAIL = "token_name"


def _micros(at: datetime) -> int:
    # Integer arithmetic on timedelta is exact; at.timestamp() is a float and may round.
    return (at - EPOCH) // timedelta(microseconds=1)


def row_hash(prev: str, row: dict, *, with_token_name: bool = True) -> str:
    """Return the hex SHA-256 of `row` (a dict of FIELDS) chained to the previous row's hash.

    `with_token_name=False` gives the form before the token's name was chained, which the
    migration that added it checks the stored hashes against before it re-hashes them.
    """
    values = [prev or ""]
    for field in FIELDS:
        value = row.get(field)
        if field == "at":
            value = _micros(value)
        if field == OPTIONAL_TAIL and (not with_token_name or not value):
            continue
        values.append("" if value is None else str(value))
    canonical = "".join(f"{len(v)}:{v};" for v in values)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# PostgreSQL's half: the same canonical form, computed under an advisory lock so concurrent
# writers are put in one order, and the id is drawn inside that lock so id order is chain order.
PG_LOCK_KEY = 7314230001

# The trigger's statement that hashes NEW in the canonical form (prev: the previous row's hash);
# the partitioned log's trigger (permissions.partitions) uses the same one.
PG_ROW_HASH = """  NEW.row_hash := encode(sha256(convert_to(
      permissions_accesslog_field(coalesce(prev, ''))
      || permissions_accesslog_field(NEW.id::text)
      || permissions_accesslog_field(NEW.user_id::text)
      || permissions_accesslog_field(((extract(epoch FROM NEW.at) * 1000000)::bigint)::text)
      || permissions_accesslog_field(NEW.person_id::text)
      || permissions_accesslog_field(NEW.action)
      || permissions_accesslog_field(NEW.record_types)
      || permissions_accesslog_field(NEW.reason)
      || permissions_accesslog_field(host(NEW.ip))
      || permissions_accesslog_field(NEW.path)
      || CASE WHEN coalesce(NEW.token_name, '') = '' THEN ''
              ELSE permissions_accesslog_field(NEW.token_name) END,
      'UTF8')), 'hex');
"""

PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION permissions_accesslog_field(value text) RETURNS text AS $$
  SELECT length(coalesce(value, ''))::text || ':' || coalesce(value, '') || ';'
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION permissions_accesslog_chain() RETURNS trigger AS $$
DECLARE
  prev text;
BEGIN
  PERFORM pg_advisory_xact_lock({PG_LOCK_KEY});
  NEW.id := nextval(pg_get_serial_sequence('permissions_accesslog', 'id'));
  SELECT row_hash INTO prev FROM permissions_accesslog ORDER BY id DESC LIMIT 1;
{PG_ROW_HASH}  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

PG_CREATE = (
    PG_FUNCTIONS
    + """
CREATE TRIGGER permissions_accesslog_chain
  BEFORE INSERT ON permissions_accesslog
  FOR EACH ROW EXECUTE FUNCTION permissions_accesslog_chain();

CREATE OR REPLACE FUNCTION permissions_accesslog_no_truncate() RETURNS trigger AS $$
BEGIN
  -- A superuser can drop or disable any trigger anyway, so refusing it protects nothing and
  -- would break the test runner's flush; every other role, the table's owner included, is refused.
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'permissions_accesslog cannot be truncated';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER permissions_accesslog_no_truncate
  BEFORE TRUNCATE ON permissions_accesslog
  FOR EACH STATEMENT EXECUTE FUNCTION permissions_accesslog_no_truncate();
"""
)

PG_DROP = """
DROP TRIGGER IF EXISTS permissions_accesslog_no_truncate ON permissions_accesslog;
DROP FUNCTION IF EXISTS permissions_accesslog_no_truncate();
DROP TRIGGER IF EXISTS permissions_accesslog_chain ON permissions_accesslog;
DROP FUNCTION IF EXISTS permissions_accesslog_chain();
DROP FUNCTION IF EXISTS permissions_accesslog_field(text);
"""


# SQLite's half (the quick start): a trigger after each INSERT calls this Python function, which
# every connection registers (PermissionsConfig.ready). SQLite has one writer at a time, so the
# previous row the trigger reads is the chain's last.
SQLITE_FUNCTION = "permissions_accesslog_hash"

SQLITE_CREATE = f"""
CREATE TRIGGER permissions_accesslog_chain AFTER INSERT ON permissions_accesslog
BEGIN
  UPDATE permissions_accesslog SET row_hash = {SQLITE_FUNCTION}(
      coalesce((SELECT p.row_hash FROM permissions_accesslog p WHERE p.id < NEW.id ORDER BY p.id DESC LIMIT 1), ''),
      NEW.id, NEW.user_id, NEW.at, NEW.person_id, NEW.action, NEW.record_types, NEW.reason, NEW.ip, NEW.path,
      NEW.token_name)
  WHERE id = NEW.id;
END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS permissions_accesslog_chain;"


def sqlite_row_hash(
    prev, row_id, user_id, at, person_id, action, record_types, reason, ip, path, token_name=""
) -> str:
    """row_hash() for the SQLite trigger: the columns arrive as SQLite stores them."""
    from django.utils.dateparse import parse_datetime

    moment = parse_datetime(at)
    if moment.tzinfo is None:  # Django stores aware datetimes in SQLite as naive UTC text
        moment = moment.replace(tzinfo=UTC)
    row = dict(
        zip(
            FIELDS,
            (row_id, user_id, moment, person_id, action, record_types, reason, ip, path, token_name),
            strict=True,
        )
    )
    return row_hash(prev, row)


def sqlite_function_register(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite" and connection.connection is not None:
        # Ten arguments: the trigger of a database migrated only as far as before the token's
        # name was chained; eleven: today's.
        for arity in (10, 11):
            connection.connection.create_function(SQLITE_FUNCTION, arity, sqlite_row_hash, deterministic=True)


def chain_check(rows, prev: str = "") -> tuple[int, int | None]:
    """Walk rows (dicts of FIELDS plus row_hash, in id order), the first chained to `prev` (the
    anchor's hash when the retention dropped the rows before them).

    Return (rows checked, id of the first row whose stored hash is not the one recomputed from
    the chain, or None when every row matches).
    """
    checked = 0
    for row in rows:
        checked += 1
        if row["row_hash"] != row_hash(prev, row):
            return checked, row["id"]
        prev = row["row_hash"]
    return checked, None
