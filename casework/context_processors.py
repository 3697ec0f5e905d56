"""Template context shared by every page."""

from django.conf import settings


def staff(request):
    return {"app_name": settings.APP_NAME}
