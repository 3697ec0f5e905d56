"""Record types by their Chinese names wherever a person reads them (the access log, who can see)."""

from collections.abc import Iterable

from django import template
from django.utils.translation import gettext_lazy as _

from permissions.models import RecordType

register = template.Library()

# What an access-log row may name besides the matrix's record types: the basic file (identity
# read with the person), and the documents and pages logged by their own name.
LOGGED_LABELS = {
    "identity": _("基本信息"),
    "agreement": _("协议"),
    "plan": _("帮教计划"),
    "certification": _("脱毒认定"),
    "transfer_request": _("变更执行地申请"),
    "overdue": _("逾期事项"),
    "monthly_report": _("月报"),
    "casefile": _("档案材料"),
}


def record_type_label(code: str) -> str:
    """Return the Chinese name of a record type or logged document; an unknown code as it is."""
    if code in LOGGED_LABELS:
        return str(LOGGED_LABELS[code])
    try:
        return str(RecordType(code).label)
    except ValueError:
        return code


@register.filter
def record_type_names(codes: str | Iterable[str]) -> str:
    """Return "检测记录、违规记录" for "drugtest,violation" (or a list of codes); "" for none."""
    if isinstance(codes, str):
        codes = [c for c in codes.split(",") if c]
    return "、".join(record_type_label(c) for c in codes)
