"""Callers of the API: a client holding a named token for a user, as a machine would call."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.models import ApiToken


def token_for(user, name: str = "外勤App", days: int = 30) -> str:
    _token, secret = ApiToken.objects.create(user=user, expiry=timedelta(days=days), name=name)
    return secret


def token_client(user, name: str = "外勤App") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user, name)}")
    return client


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # The request limits count in the cache; each test starts with none spent.
    cache.clear()
    yield
    cache.clear()
