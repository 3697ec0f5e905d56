"""Template helpers for the registry's display conventions."""

from django import template

register = template.Library()


@register.filter
def staff_name(user) -> str:
    """Return a user's name in Chinese order (family name first), else the username."""
    if user is None:
        return ""
    name = f"{user.last_name}{user.first_name}".strip()
    return name or user.get_username()
