"""Fields and checks the branch forms share: dates not in the future, checked uploads, region and staff choices."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

User = get_user_model()


def _not_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("日期不能晚于今天。"))
    return value


# What a decision document's photo or scan may be, told by its first bytes (a name or a
# browser-sent content type proves nothing): the extension it is stored under follows.
UPLOAD_SIGNATURES = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)


def checked_upload(upload, stem: str):
    """Return the upload renamed `<stem>.<type>` if it is a PDF, JPEG or PNG within the size
    limit (settings.DECISION_UPLOAD_MAX_BYTES); raise ValidationError otherwise."""
    limit = settings.DECISION_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            _("文件不能超过 %(limit)s。") % {"limit": filesizeformat(limit)}, code="too_large"
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, extension in UPLOAD_SIGNATURES:
        if head.startswith(signature):
            upload.name = f"{stem}.{extension}"
            return upload
    raise forms.ValidationError(_("只接受 PDF、JPEG 或 PNG 文件。"), code="file_type")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.last_name}{obj.first_name or obj.username}（{obj.staff.agency.name}）"


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name
