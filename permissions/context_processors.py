"""Template context shared by every page: the app's name and the user's staff post."""

from django.conf import settings

from .selectors import staff_for


def staff(request):
    return {"app_name": settings.APP_NAME, "current_staff": staff_for(getattr(request, "user", None))}
