"""Querysets built once per process, copied for each use.

Building a queryset with many correlated subqueries (each filter and annotation resolved against
the models) costs more Python than compiling it. Where what it selects depends only on a few
values (the arguments), the built queryset is kept, never evaluated itself, and each caller gets
a copy to narrow and evaluate, as Django keeps a form field's queryset and copies it for each
form. The arguments must be everything the queryset depends on.
"""

from collections.abc import Callable
from functools import lru_cache, wraps

from django.db.models import QuerySet


def built_once(maxsize: int = 256) -> Callable[[Callable[..., QuerySet]], Callable[..., QuerySet]]:
    def decorator(build: Callable[..., QuerySet]) -> Callable[..., QuerySet]:
        kept = lru_cache(maxsize=maxsize)(build)

        @wraps(build)
        def copy(*args) -> QuerySet:
            return kept(*args).all()

        copy.cache_clear = kept.cache_clear
        copy.cache_info = kept.cache_info
        return copy

    return decorator
