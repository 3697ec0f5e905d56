-- Who may do what to the access log (permissions_accesslog) on PostgreSQL.
--
-- A separate owner role (NOLOGIN) owns the table, its monthly partitions, its sequence, the
-- chain's anchor table and its functions. The app's role may only INSERT and SELECT it: it
-- cannot UPDATE, DELETE or TRUNCATE rows, disable the triggers, drop the table or a partition,
-- or change its owner. The owner role itself is still refused UPDATE, DELETE and TRUNCATE by the
-- triggers; only a superuser can assume it. Partitions the nightly job creates later belong to
-- the owner already (its functions run with the owner's rights).
--
-- Run as a superuser, after `manage.py migrate`, in the app's database:
--   psql "postgres://postgres@HOST/casework" -v ON_ERROR_STOP=1 \
--        -v app_role=casework -v owner_role=casework_log_owner -f scripts/access-log-roles.sql
-- Idempotent: a second run changes nothing. Later migrations that alter this table must be run
-- by a superuser (or SET ROLE to the owner role); the app's role no longer can.

SELECT set_config('casework.app_role', :'app_role', false),
       set_config('casework.owner_role', :'owner_role', false);

DO $roles$
DECLARE
  app text := current_setting('casework.app_role');
  log_owner text := current_setting('casework.owner_role');
  fn text;
  part text;
BEGIN
  IF app = log_owner THEN
    RAISE EXCEPTION 'the owner role must not be the app''s role (%)', app;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = app) THEN
    RAISE EXCEPTION 'the app''s role % does not exist', app;
  END IF;
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = app) THEN
    RAISE WARNING 'the app''s role % is a superuser: it passes every check below; connect as a NOSUPERUSER role', app;
  END IF;
  IF EXISTS (SELECT FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner
             WHERE n.nspname = 'public' AND r.rolname = app) THEN
    RAISE WARNING 'the app''s role % owns schema public and so could drop the access log; give the schema to another role', app;
  END IF;

  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = log_owner) THEN
    EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT', log_owner);
  END IF;
  -- Membership would hand the app the owner's rights (ALTER TABLE, DISABLE TRIGGER).
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = app) AND pg_has_role(app, log_owner, 'MEMBER') THEN
    EXECUTE format('REVOKE %I FROM %I', log_owner, app);
  END IF;

  EXECUTE format('ALTER TABLE permissions_accesslog OWNER TO %I', log_owner);
  -- The nightly job creates each month's partition as the owner (its functions are SECURITY
  -- DEFINER): the owner needs CREATE in the log's schema. It is NOLOGIN and no one's role.
  EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO %I', current_schema(), log_owner);
  -- On a partitioned log (PostgreSQL): every partition, and the anchor the chain continues
  -- from after the retention. Owning a partition would let the app drop or truncate it.
  FOR part IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
              WHERE i.inhparent = 'permissions_accesslog'::regclass LOOP
    EXECUTE format('ALTER TABLE %I OWNER TO %I', part, log_owner);
    EXECUTE format('REVOKE ALL ON TABLE %I FROM PUBLIC, %I', part, app);
  END LOOP;
  IF to_regclass('permissions_accessloganchor') IS NOT NULL THEN
    EXECUTE format('ALTER TABLE permissions_accessloganchor OWNER TO %I', log_owner);
    EXECUTE format('REVOKE ALL ON TABLE permissions_accessloganchor FROM PUBLIC, %I', app);
    EXECUTE format('GRANT SELECT ON TABLE permissions_accessloganchor TO %I', app);
  END IF;
  FOREACH fn IN ARRAY ARRAY[
    'permissions_accesslog_append_only()',
    'permissions_accesslog_no_truncate()',
    'permissions_accesslog_chain()',
    'permissions_accesslog_field(text)'
  ] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO %I', fn, log_owner);
  END LOOP;
  -- The nightly job's partition functions run with the owner's rights (SECURITY DEFINER), so
  -- the app's role creates the months ahead and applies the retention (never below six months,
  -- which the function itself refuses) without owning the table.
  FOREACH fn IN ARRAY ARRAY[
    'permissions_accesslog_partition_name(date)',
    'permissions_accesslog_partition_ensure(date, text)',
    'permissions_accesslog_partition_drop_before(timestamptz, text)'
  ] LOOP
    IF to_regprocedure(fn) IS NOT NULL THEN
      EXECUTE format('ALTER FUNCTION %s OWNER TO %I', fn, log_owner);
      EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', fn);
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', fn, app);
    END IF;
  END LOOP;

  EXECUTE format('REVOKE ALL ON TABLE permissions_accesslog FROM PUBLIC, %I', app);
  EXECUTE format('GRANT SELECT, INSERT ON TABLE permissions_accesslog TO %I', app);
  -- The chain trigger draws each id itself (nextval): USAGE, not UPDATE (setval).
  EXECUTE format('REVOKE ALL ON SEQUENCE %s FROM PUBLIC, %I', pg_get_serial_sequence('permissions_accesslog', 'id'), app);
  EXECUTE format('GRANT USAGE ON SEQUENCE %s TO %I', pg_get_serial_sequence('permissions_accesslog', 'id'), app);
END
$roles$;
