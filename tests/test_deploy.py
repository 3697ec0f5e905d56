"""Production settings pass Django's deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

import pytest


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-value-1234567890",
        "ALLOWED_HOSTS": "casework.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_make_run_settings_are_the_demo_as_users_see_it():
    """`make run` serves config.settings.local with DEBUG=false: no debug pages, local hosts only,
    static files through whitenoise from the apps' folders (the Makefile's environment)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "WHITENOISE_USE_FINDERS": "true",
    }
    env.pop("ALLOWED_HOSTS", None)
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.ALLOWED_HOSTS, 'whitenoise.middleware.WhiteNoiseMiddleware' in s.MIDDLEWARE, "
        "s.WHITENOISE_USE_FINDERS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == "False ['127.0.0.1', 'localhost'] True True", result.stderr


@pytest.mark.django_db
def test_a_missing_page_is_the_apps_own_chinese_404(client, world):
    client.force_login(world["sw1_user"])
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert [t.name for t in response.templates][:2] == ["404.html", "base.html"]
    html = response.content.decode()
    assert "<h1>找不到该页面</h1>" in html and "Page not found at" not in html


def test_the_500_page_needs_no_database_nor_request_context(rf):
    """Without the django_db mark any query raises: the page renders with the database down."""
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "<h1>系统错误</h1>" in html and "/static/css/app.css" in html
    assert "SECRET_KEY" not in html and "Traceback" not in html
