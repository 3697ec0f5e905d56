"""Every call made with an API token leaves an access-log row with the token's name.

A call that reads persons already wrote a row per person; any other call with a token (my
work, figures, a refused or throttled request) gets one row without a person, after the
response is made, so its path and the token that made it are on record.
"""

from permissions.models import AccessLog
from permissions.services import client_ip


class TokenCallLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        token = getattr(request, "api_token", None)
        if token is not None and not getattr(request, "access_logged", False):
            AccessLog.objects.create(
                user_id=token.user_id,
                person=None,
                action=AccessLog.Action.API_CALL,
                record_types="",
                reason=f"{request.method} {response.status_code}",
                ip=client_ip(request),
                # The path without its query: a query may hold a whole ID number on its way to
                # the keyed hash it is redirected to, and the log must not keep it.
                path=request.path[:300],
                token_name=str(token.name or "")[:60],
            )
        return response
