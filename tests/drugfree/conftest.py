import pytest

from casework.models import Agency, Staff
from tests import factories as f


@pytest.fixture
def programme(world):
    """The world with a community committee for c1, c1b and c2 (村(居)民委员会, seed 第三篇 四(一))."""
    w = world
    for key in ("c1", "c1b", "c2"):
        committee = f.agency(Agency.Kind.COMMUNITY_COMMITTEE, w[key])
        w[f"committee_{key}"] = f.staff_user(committee, username=f"committee_{key}", role=Staff.Role.HEAD)
    return w
