"""What the OpenAPI document says beyond the views: the token scheme and the one error shape."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers


class NamedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.NamedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "“Token <令牌>”：在“接口令牌”页面生成，只显示一次。\n\n"
                "“Token <token>”: made on the API tokens page, shown once."
            ),
        }


ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "status": serializers.IntegerField(),
                "code": serializers.CharField(),
                "message": serializers.CharField(help_text="中文说明 / a message in Chinese"),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()),
                    help_text="按字段的错误（仅 400）/ errors by field (400 only)",
                ),
            },
        )
    },
)


def _error(status: int, code: str, message: str, description: str) -> OpenApiResponse:
    return OpenApiResponse(
        response=ErrorSerializer,
        description=description,
        examples=[
            OpenApiExample(
                code,
                value={"error": {"status": status, "code": code, "message": message, "fields": {}}},
                status_codes=[str(status)],
                response_only=True,
            )
        ],
    )


ERRORS = {
    400: _error(400, "invalid", "请更正下列内容，信息尚未保存：该字段是必填项。", "输入有误 / bad input"),
    401: _error(401, "not_authenticated", "未登录或令牌无效、已过期或已撤销。", "未认证 / not authenticated"),
    403: _error(403, "permission_denied", "无权进行此操作。", "无权 / forbidden"),
    404: _error(404, "not_found", "未找到。", "不存在或无权查看 / missing or not visible"),
    405: _error(405, "method_not_allowed", "不支持该请求方法。", "方法不支持 / method not allowed"),
    406: _error(406, "not_acceptable", "无法提供所要求的格式。", "格式不支持 / not acceptable"),
    409: _error(409, "conflict", "该应办事项已办结。", "状态不允许 / refused by the case's state"),
    413: _error(413, "too_large", "请求体过大（上限 256 KB）。", "请求体过大 / body too large"),
    415: _error(415, "unsupported_media_type", "只接受 application/json。", "只接受 JSON / JSON only"),
    429: _error(429, "throttled", "请求过于频繁，请稍后再试。", "过于频繁 / throttled"),
}


def errors(*codes: int) -> dict:
    """The error responses an operation documents (the one shape), with 401, 405, 406, 429 always."""
    return {code: ERRORS[code] for code in sorted({*codes, 401, 405, 406, 429})}
