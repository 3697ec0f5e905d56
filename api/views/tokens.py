"""The caller's own API tokens: list, make (the token shown once) and revoke.

A token is made from a browser session only: a token that leaked cannot make itself a successor.
"""

from datetime import timedelta

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from api.models import ApiToken
from api.schema import errors
from api.serializers import TokenCreatedSerializer, TokenCreateSerializer, TokenSerializer

TOKENS = ["令牌 tokens"]


def token_make(*, actor, name: str, days: int) -> tuple[ApiToken, str]:
    """Make a named token for the actor, valid for `days`; return it with the token itself."""
    return ApiToken.objects.create(user=actor, expiry=timedelta(days=days), name=name.strip())


def token_revoke(*, actor, token_key: str) -> int:
    """Revoke the actor's token with this key (its next request answers 401); return how many."""
    deleted, _rows = ApiToken.objects.filter(user=actor, token_key=token_key).delete()
    return deleted


@extend_schema(tags=TOKENS)
class TokenList(generics.ListCreateAPIView):
    serializer_class = TokenSerializer
    pagination_class = None

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user).order_by("-created")

    def get_serializer_class(self):
        return TokenCreateSerializer if self.request.method == "POST" else TokenSerializer

    @extend_schema(summary="我的令牌 / my tokens", responses={200: TokenSerializer(many=True), **errors()})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="生成令牌 / make a token",
        description="只能在浏览器登录状态下生成；令牌只显示这一次。/ From a browser session only; shown once.",
        request=TokenCreateSerializer,
        responses={201: TokenCreatedSerializer, **errors(400, 403, 413, 415)},
    )
    def post(self, request, *args, **kwargs):
        if isinstance(request.auth, ApiToken):
            raise exceptions.PermissionDenied(_("令牌只能在浏览器登录后生成。"))
        incoming = TokenCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        token, secret = token_make(actor=request.user, **incoming.validated_data)
        body = TokenSerializer(token).data
        body["token"] = secret
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(tags=TOKENS, summary="撤销令牌 / revoke a token", responses={204: None, **errors(404)})
class TokenRevoke(generics.GenericAPIView):
    serializer_class = TokenSerializer

    def delete(self, request, token_key):
        if not token_revoke(actor=request.user, token_key=token_key):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
