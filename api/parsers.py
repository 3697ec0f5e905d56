"""The one request format: a JSON object, at most settings.API_MAX_BODY_BYTES, whose strings the
database can store (no NUL, no lone surrogate), so bad bytes answer 400 and never reach a save."""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def _storable(value) -> bool:
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v) for v in value)
    return True


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and str(declared).isdigit() and int(declared) > limit:
            raise BodyTooLarge(_("请求体过大（上限 %(kb)d KB）。") % {"kb": limit // 1024})
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge(_("请求体过大（上限 %(kb)d KB）。") % {"kb": limit // 1024})
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise exceptions.ParseError(_("请求体不是有效的 JSON。")) from None
        if not _storable(data):
            raise exceptions.ParseError(_("请求中含有不允许的字符。"))
        return data
