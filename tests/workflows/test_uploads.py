"""The decision document's photo at reporting in: type by content, a size limit, kept only on commit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from casework.models import ReportingIn
from tests.workflows.test_intake_flow import open_task, register

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _post(client, task, upload):
    data = {"reported_on": timezone.localdate().isoformat(), "documents": "决定书", "decision_photo": upload}
    return client.post(reverse("task_page", args=[task.pk]), data)


def _files(root):
    return (
        sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        if root.exists()
        else []
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("decision.html", b"<html><script>alert(1)</script></html>", "text/html"),
        (
            "decision.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
        ),
        ("decision.pdf", b"<html>not really a pdf</html>", "application/pdf"),  # the name lies
        ("decision.png", b"GIF89a" + b"\x00" * 32, "image/png"),
    ],
)
def test_a_file_that_is_not_pdf_jpeg_or_png_is_refused_and_nothing_is_saved(
    client, world, media, name, content, content_type
):
    episode = register(client, world)
    task = open_task(episode, "report_in")
    response = _post(client, task, SimpleUploadedFile(name, content, content_type=content_type))
    assert response.status_code == 200
    assert response.context["form"].errors["decision_photo"] == ["只接受 PDF、JPEG 或 PNG 文件。"]
    assert ReportingIn.objects.count() == 0
    assert _files(media) == []


@override_settings(DECISION_UPLOAD_MAX_BYTES=1024)
def test_a_file_over_the_size_limit_is_refused(client, world, media):
    episode = register(client, world)
    task = open_task(episode, "report_in")
    response = _post(
        client, task, SimpleUploadedFile("big.png", PNG + b"\x00" * 1024, content_type="image/png")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["decision_photo"] == ["文件不能超过 1.0\xa0KB。"]
    assert ReportingIn.objects.count() == 0


@pytest.mark.parametrize(("content", "extension"), [(PNG, "png"), (JPEG, "jpg"), (PDF, "pdf")])
def test_a_pdf_jpeg_or_png_is_stored_under_the_type_its_content_shows(
    client, world, media, django_capture_on_commit_callbacks, content, extension
):
    episode = register(client, world)
    task = open_task(episode, "report_in")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, task, SimpleUploadedFile("张伟-身份证.bin", content))
    assert response.status_code == 302
    stored = ReportingIn.objects.get(episode=episode).decision_photo
    assert stored.name.startswith("decisions/") and stored.name.endswith(f"/decision.{extension}")
    assert (media / stored.name).read_bytes() == content
    assert _files(media) == [stored.name]


def test_the_file_is_not_written_when_the_transaction_rolls_back(world, media):
    """A step that fails after the photo was attached leaves no file behind."""
    from workflows.branches.intake import decision_photo_keep_on_commit
    from workflows.forms.common import checked_upload

    reporting_in = ReportingIn(pk=None)
    with pytest.raises(RuntimeError), transaction.atomic():
        decision_photo_keep_on_commit(
            reporting_in, checked_upload(SimpleUploadedFile("x.png", PNG), "decision")
        )
        raise RuntimeError("the step failed after the photo was attached")
    assert _files(media) == []
