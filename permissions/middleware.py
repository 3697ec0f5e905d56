"""Login required everywhere except the login page, session time limits, and the headers and
input checks every response and request gets."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _


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


class RejectNulMiddleware:
    """Answer 400 to a request whose query or form values hold a NUL character.

    PostgreSQL text cannot hold NUL, so such a value used in a filter or a save fails in the
    database (a 500). No legitimate form or link of the app sends one, so the whole request is
    refused before any view reads it. Django's form fields refuse NUL too; this covers the
    parameters views read directly (filters, pagination, hidden ids).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The API parses its own JSON bodies (api.parsers refuses NUL there); reading POST here
        # would parse a form body the API never accepts.
        api = request.path.startswith("/api/")
        sources = [request.GET, request.POST] if request.method == "POST" and not api else [request.GET]
        for params in sources:
            for key, values in params.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    message = _("请求中含有不允许的字符。")
                    if api:
                        # The API's one error shape (api.errors), so a client parses every refusal alike.
                        error = {"status": 400, "code": "parse_error", "message": message, "fields": {}}
                        return JsonResponse({"error": error}, status=400)
                    return HttpResponseBadRequest(message)
        return self.get_response(request)


class PrivateResponseMiddleware:
    """Keep pages with personal data out of shared caches and off the browser's disk.

    Staff share office PCs: a page seen by one user must not be served from the browser cache
    to the next, so every response to a logged-in user is ``no-store, private``. Every response
    also tells the browser the app uses no camera, microphone, location or payment APIs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
