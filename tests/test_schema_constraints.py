"""Every index and constraint a model declares exists in the migrated database: a migration that
drops a column's index must not take a declared constraint with it (Django's AlterField with
db_index=False drops every plain b-tree index on the column, partial unique ones included)."""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db


def _supported(constraint) -> bool:
    # Django leaves out what the database cannot hold (SQLite: a unique constraint whose nulls
    # count as equal); that is the database's limit, not a lost constraint.
    if getattr(constraint, "nulls_distinct", None) is not None:
        return connection.features.supports_nulls_distinct_unique_constraints
    return True


def test_every_declared_constraint_and_index_is_in_the_database():
    missing = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            present = set(connection.introspection.get_constraints(cursor, model._meta.db_table))
            declared = [c.name for c in model._meta.constraints if _supported(c)]
            declared += [i.name for i in model._meta.indexes]
            missing += [f"{model._meta.db_table}.{name}" for name in declared if name not in present]
    assert missing == []
