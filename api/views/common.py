"""What every endpoint shares: pagination, the access-log write, the idempotency key and the
page forms run as the API's validation."""

import uuid

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.pagination import CursorPagination, PageNumberPagination

from permissions.services import access_log_write

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


class Cursor(CursorPagination):
    """Cursor pages: each page is one indexed range read, however deep (no OFFSET, no COUNT)."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    invalid_cursor_message = _("分页位置无效。")

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise serializers.ValidationError({"page_size": [_("请输入 1 至 100 的整数。")]}) from None
        if not 1 <= size <= self.max_page_size:
            raise serializers.ValidationError({"page_size": [_("请输入 1 至 100 的整数。")]})
        return size


def cursor(*ordering: str) -> type[Cursor]:
    return type("Cursor", (Cursor,), {"ordering": ordering})


class Pages(PageNumberPagination):
    page_size = 50
    invalid_page_message = _("页码无效。")


CURSOR_PARAMETERS = [
    OpenApiParameter(
        "cursor", OpenApiTypes.STR, description="分页位置（上一页返回的 next）/ cursor from `next`"
    ),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="每页条数 1-100 / rows per page"),
]
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.UUID,
    location=OpenApiParameter.HEADER,
    description=(
        "同一键的第二次请求不再保存，返回第一次保存的记录（200）。\n\n"
        "A second request with the same key saves nothing and answers the first one's record (200)."
    ),
)


def logged(request, person_ids, action: str, record_types=(), reason: str = "") -> None:
    """Write the access-log rows of a read (one INSERT), naming the token when there is one."""
    ids = sorted(set(person_ids))
    if ids:
        access_log_write(
            request=request, person_ids=ids, action=action, record_types=record_types, reason=reason
        )


def idempotency_key(request):
    """The request's Idempotency-Key as a UUID, None without one; a malformed key is a 400."""
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise serializers.ValidationError({"Idempotency-Key": [_("须为 UUID。")]}) from None


def form_check(form) -> dict:
    """Run a page's form over the API's input; its refusals are the API's (400, by field)."""
    if not form.is_valid():
        raise serializers.ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
    return form.cleaned_data


def query_form(form):
    """A page's filter form over the query string: a bad value is a 400, not a silent default."""
    if form.is_bound and not form.is_valid():
        raise serializers.ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
    return form.cleaned_data if form.is_bound else {}
