"""Login required everywhere except the login page, and session time limits."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Send anonymous users to the login page from every view not marked login_not_required."""


class SessionTimeoutMiddleware:
    """End a session 12 hours after login, however active; slide the 30-minute idle limit.

    The session is re-saved at most once a minute (not on every request), which keeps
    the idle limit accurate to a minute and saves a write per page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get("login_at")
            now = time.time()
            if started is None:
                request.session["login_at"] = request.session["touched_at"] = now
            elif now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
            elif now - request.session.get("touched_at", 0) > 60:
                request.session["touched_at"] = now
        return self.get_response(request)


class ChineseFirstMiddleware:
    """Serve Chinese unless the user chose another language with the switch (a cookie).

    Staff share office PCs with English-language browsers; the browser's Accept-Language
    header must not turn the app English behind their backs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
