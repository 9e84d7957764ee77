import pytest

from citystat.plan.models import Plan
from citystat.public.tests.tiny_plan import build_tiny_plan


@pytest.fixture
def plan(db) -> Plan:
    return build_tiny_plan()
