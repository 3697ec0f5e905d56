from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermissionsConfig(AppConfig):
    name = "permissions"
    verbose_name = _("权限与访问记录")

    def ready(self):
        from django.db import connections
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from .access_log_chain import sqlite_function_register

        # The access log's chain trigger on SQLite calls a Python function on every connection.
        connection_created.connect(sqlite_function_register, dispatch_uid="permissions.accesslog_hash")
        for connection in connections.all(initialized_only=True):
            sqlite_function_register(None, connection)

        from .services import forget_permission_ids

        post_migrate.connect(forget_permission_ids, dispatch_uid="permissions.forget_permission_ids")

        from django.apps import apps

        # The lockout library names its admin section by its own name; staff read what it is.
        if apps.is_installed("axes"):
            apps.get_app_config("axes").verbose_name = _("登录安全")
