import os
import shutil
import subprocess

import pytest
from django.db import connection

# The Debian package that gives WeasyPrint Chinese glyphs (scripts/setup-system installs it).
CJK_FONT_PACKAGE = "fonts-noto-cjk"


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests, with the reason, when the suite runs on SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL or run a server on 127.0.0.1:5432)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def cjk_font_problem(fc_list: str = "fc-list") -> str | None:
    """Why a PDF with Chinese text cannot be read back on this machine, or None.

    Without a CJK font WeasyPrint still writes a PDF, but its text reads back as glyph numbers
    ('\\x184\\x003...'): a test comparing it would fail with an unreadable assertion."""
    path = shutil.which(fc_list)
    if path is None:
        return (
            f"fc-list (fontconfig) is not installed, so no CJK font can be found: install {CJK_FONT_PACKAGE} "
            f"and fontconfig (apt-get install {CJK_FONT_PACKAGE} fontconfig, or scripts/setup-system --pdf)"
        )
    found = subprocess.run([path, ":lang=zh", "family"], capture_output=True, text=True, timeout=60).stdout
    if not found.strip():
        return (
            f"no CJK font is installed (fc-list :lang=zh finds none), so the PDF's Chinese text cannot be "
            f"read: install {CJK_FONT_PACKAGE} (apt-get install {CJK_FONT_PACKAGE}, or scripts/setup-system --pdf)"
        )
    return None


@pytest.fixture
def cjk_font():
    """Fail first, naming the package to install, where the PDF text could not be read."""
    problem = cjk_font_problem()
    if problem:
        pytest.fail(problem, pytrace=False)


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def world(db):
    """One county, two townships with two communities each, every kind of agency, one user per agency."""
    from casework.models import Agency, Staff
    from tests import factories as f

    tree = f.region_tree()
    t1, t2 = tree["townships"]
    w = {"tree": tree, "county": tree["county"], "t1": t1, "t2": t2}
    w["c1"], w["c1b"] = tree["communities"][t1.pk]
    w["c2"], w["c2b"] = tree["communities"][t2.pk]
    for key, township in (("1", t1), ("2", t2)):
        for kind in Agency.Kind.values:
            if kind == Agency.Kind.DRUG_CONTROL:
                continue
            a = f.agency(kind, township)
            w[f"{kind}{key}"] = a
            w[f"{kind}{key}_user"] = f.staff_user(a, username=f"{kind}{key}", role=Staff.Role.MEMBER)
            if kind == Agency.Kind.WORK_STATION:
                w[f"sw{key}_user"] = f.staff_user(a, username=f"sw{key}", role=Staff.Role.SOCIAL_WORKER)
        sup = f.agency(Agency.Kind.DRUG_CONTROL, township)
        w[f"sup{key}"] = sup
        w[f"sup{key}_user"] = f.staff_user(sup, username=f"sup{key}", role=Staff.Role.HEAD)
    county_sup = f.agency(Agency.Kind.DRUG_CONTROL, tree["county"])
    w["county_sup_user"] = f.staff_user(county_sup, username="supcounty", role=Staff.Role.HEAD)
    return w
