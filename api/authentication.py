"""Who is calling: a named token (machines and apps) or the browser's session.

The token is knox's (hashed, with an expiry); its name rides on `request.auth` into every
access-log row the request writes, and a call that writes none gets a row of its own
(TokenCallLogMiddleware). A header that is not a well-formed token is refused as an
invalid token before it reaches the database.
"""

import re
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header

from .models import ApiToken

TOKEN_SHAPE = re.compile(rb"^[A-Za-z0-9_]{16,200}$")
# Writing the last use on every request would cost an UPDATE a call; once a minute says enough.
LAST_USED_EVERY = timedelta(minutes=1)


class NamedTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if parts and parts[0].lower() == b"token" and len(parts) == 2 and not TOKEN_SHAPE.match(parts[1]):
            raise exceptions.AuthenticationFailed(_("令牌无效、已过期或已撤销。"))
        try:
            found = super().authenticate(request)
        except exceptions.AuthenticationFailed:
            raise exceptions.AuthenticationFailed(_("令牌无效、已过期或已撤销。")) from None
        if found is None:
            return None
        user, token = found
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(digest=token.digest).update(last_used_at=now)
            token.last_used_at = now
        # The Django request, which outlives DRF's wrapper into the middleware that logs the call.
        request._request.api_token = token
        return user, token


def token_name(request) -> str:
    """The name of the token the request came with ("" for a browser session)."""
    token = getattr(request, "auth", None)
    return token.name if isinstance(token, ApiToken) else ""
