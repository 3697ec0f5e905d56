"""The README's backup procedure, rehearsed: pg_dump and the media files, restored into a new
database and folder, give back every row and every uploaded file."""

import os
import subprocess
import tarfile

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from casework.models import ReportingIn
from tests import factories as f
from tests.workflows.test_intake_flow import open_task, register

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def _pg_env_and_args():
    s = connection.settings_dict
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    args = ["-h", s.get("HOST") or "127.0.0.1", "-p", str(s.get("PORT") or 5432), "-U", s["USER"]]
    return env, args


def _dsn(name):
    s = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        host=s.get("HOST") or "127.0.0.1",
        port=s.get("PORT") or 5432,
        user=s["USER"],
        password=s.get("PASSWORD") or None,
        dbname=name,
    )


def _counts(dsn, tables):
    with psycopg.connect(dsn) as conn:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def test_a_dump_and_the_media_restore_into_a_new_database(client, world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    episode = register(client, world)
    client.post(
        reverse("task_page", args=[open_task(episode, "report_in").pk]),
        {
            "reported_on": timezone.localdate().isoformat(),
            "documents": "决定书",
            "decision_photo": SimpleUploadedFile("scan.png", PNG),
        },
    )
    f.person_with_episode(world["c2"])
    client.get(reverse("person_detail", args=[episode.person_id]))  # an access-log row
    photo = ReportingIn.objects.get(episode=episode).decision_photo.name
    assert photo.endswith("decision.png")

    env, args = _pg_env_and_args()
    source = connection.settings_dict["NAME"]
    target = f"{source}_restore"[:63]
    dump = tmp_path / "casework.dump"
    subprocess.run(["pg_dump", *args, "-Fc", "-f", str(dump), source], env=env, check=True)
    with tarfile.open(tmp_path / "media.tar.gz", "w:gz") as archive:
        archive.add(settings.MEDIA_ROOT, arcname=".")

    subprocess.run(["dropdb", *args, "--if-exists", target], env=env, check=True)
    subprocess.run(["createdb", *args, target], env=env, check=True)
    try:
        subprocess.run(["pg_restore", *args, "--no-owner", "-d", target, str(dump)], env=env, check=True)
        restored_media = tmp_path / "restored-media"
        restored_media.mkdir()
        with tarfile.open(tmp_path / "media.tar.gz") as archive:
            archive.extractall(restored_media, filter="data")

        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        original = _counts(_dsn(source), tables)
        assert original["casework_person"] == 2
        assert original["permissions_accesslog"] >= 1
        assert _counts(_dsn(target), tables) == original
        with psycopg.connect(_dsn(target)) as conn:
            (restored_photo,) = conn.execute("SELECT decision_photo FROM casework_reportingin").fetchone()
            hashes = conn.execute("SELECT id, row_hash FROM permissions_accesslog ORDER BY id").fetchall()
            triggers = {
                name
                for (name,) in conn.execute(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = 'permissions_accesslog'::regclass "
                    "AND NOT tgisinternal"
                )
            }
        assert restored_photo == photo
        assert (restored_media / photo).read_bytes() == PNG
        with psycopg.connect(_dsn(source)) as conn:
            assert (
                conn.execute("SELECT id, row_hash FROM permissions_accesslog ORDER BY id").fetchall()
                == hashes
            )
        assert triggers == {
            "permissions_accesslog_append_only",
            "permissions_accesslog_chain",
            "permissions_accesslog_no_truncate",
        }
    finally:
        subprocess.run(["dropdb", *args, "--if-exists", target], env=env, check=True)
