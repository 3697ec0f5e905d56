"""Request limits per token and per user (all of a user's tokens and their session together).

The rates are read from settings.API_THROTTLE_RATES on each request, so a deployment (or a
test) can change them without re-importing DRF's settings.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class _SettingsRateThrottle(SimpleRateThrottle):
    def __init__(self):
        pass

    def allow_request(self, request, view):
        self.rate = settings.API_THROTTLE_RATES.get(self.scope)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class TokenRateThrottle(_SettingsRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if not isinstance(token, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.token_key}


class UserRateThrottle(_SettingsRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
