"""Reads of the messages: the unread count that rides on the staff-post query of every page."""

from django.db.models import Count, IntegerField, OuterRef, Subquery

from notifications.models import Notification


def unread_subquery() -> Subquery:
    """Subquery: the number of the staff user's unread messages."""
    return Subquery(
        Notification.objects.filter(user=OuterRef("user"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )
