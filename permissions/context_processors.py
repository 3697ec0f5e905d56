"""Template context shared by every page: the app's name and the user's staff post."""

from django.conf import settings

from .selectors import staff_for


def staff(request):
    return {
        "app_name": settings.APP_NAME,
        "current_staff": staff_for(getattr(request, "user", None)),
        # The idle time left, for the logout warning (static/js/session.js): the session may have
        # been saved up to a minute before this page (SessionTimeoutMiddleware), so a minute less.
        "session_idle_seconds": settings.SESSION_COOKIE_AGE - 60,
    }
