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


@register.filter
def deadline_basis(item) -> str:
    """Return "3个工作日" for a deadline computed in working days, else "" (calendar days go unsaid).

    Takes an episode (its reporting-in deadline), an obligation, or an overdue-audit row.
    """
    from casework.deadlines import period_label

    if isinstance(item, dict):
        days, count = item.get("period_days"), item.get("day_count") or ""
    elif hasattr(item, "report_day_count"):
        days, count = item.report_period_days, item.report_day_count
    else:
        days, count = getattr(item, "period_days", None), getattr(item, "day_count", "")
    return period_label(days, count)
