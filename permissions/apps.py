from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermissionsConfig(AppConfig):
    name = "permissions"
    verbose_name = _("权限与访问记录")

    def ready(self):
        from django.db.models.signals import post_migrate

        from .services import forget_permission_ids

        post_migrate.connect(forget_permission_ids, dispatch_uid="permissions.forget_permission_ids")
