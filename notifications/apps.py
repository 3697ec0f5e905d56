from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("消息")

    def ready(self):
        from notifications.selectors import unread_subquery
        from permissions.selectors import staff_annotation_register

        staff_annotation_register("unread_notifications", unread_subquery)
