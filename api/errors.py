"""The one error shape of the API, for every refusal:

    {"error": {"status": 404, "code": "not_found", "message": "未找到。", "fields": {}}}

`message` is Chinese (the English translation when the caller chose English); `fields` names
the bad input field by field (400 only). Refusals of the services (RecordRefused) are 409: the
input was well formed but the case's state does not allow it, and nothing was saved.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from api.parsers import BodyTooLarge
from casework.errors import RecordRefused

MESSAGES = {
    400: lambda: _("请求有误，未保存。"),
    401: lambda: _("未登录或令牌无效、已过期或已撤销。"),
    403: lambda: _("无权进行此操作。"),
    404: lambda: _("未找到。"),
    405: lambda: _("不支持该请求方法。"),
    406: lambda: _("无法提供所要求的格式。"),
    409: lambda: _("当前状态不允许此操作，未保存。"),
    413: lambda: _("请求体过大。"),
    415: lambda: _("只接受 application/json。"),
    429: lambda: _("请求过于频繁，请稍后再试。"),
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def error_body(status_code: int, code: str, message: str, fields=None) -> dict:
    return {"error": {"status": status_code, "code": code, "message": message, "fields": fields or {}}}


def _flatten(detail):
    """Field errors as {field: [message, ...]}, nested serializers joined with dots."""
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            inner = _flatten(value)
            if isinstance(inner, dict):
                out.update({f"{key}.{k}": v for k, v in inner.items()})
            else:
                out[str(key)] = inner
        return out
    if isinstance(detail, list):
        if all(not isinstance(v, dict | list) for v in detail):
            return [str(v) for v in detail]
        return {str(i): v for i, v in enumerate(detail)}
    return [str(detail)]


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RecordRefused):
        exc = Conflict(str(exc))
    elif isinstance(exc, RequestDataTooBig):
        # Django refuses to read a body past DATA_UPLOAD_MAX_MEMORY_SIZE; the parser, past ours.
        exc = BodyTooLarge(_("请求体过大（上限 %(kb)d KB）。") % {"kb": settings.API_MAX_BODY_BYTES // 1024})
    if not isinstance(exc, exceptions.APIException):
        return None
    code = exc.status_code
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    fields = {}
    message = MESSAGES.get(code, MESSAGES[400])()
    if isinstance(exc, exceptions.ValidationError):
        flat = _flatten(exc.detail)
        if isinstance(flat, dict):
            fields = flat
            first = next(iter(flat.values()), [""])
            message = _("请更正下列内容，信息尚未保存：%(first)s") % {"first": first[0] if first else ""}
        else:
            message = flat[0] if flat else message
    elif isinstance(exc.detail, str) and str(exc.detail) != str(exc.default_detail):
        # A refusal that says why (a service's RecordRefused, the parser, the token check).
        message = str(exc.detail)
    set_rollback()
    return Response(error_body(code, _code_of(exc), message, fields), status=code, headers=headers)


def _code_of(exc) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return exc.default_code


def not_found(request, exception=None):
    """The project's 404: the error shape for API paths (a path no route matches), else the page."""
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse(error_body(404, "not_found", MESSAGES[404]()), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
