"""Peer figures read exactly like our own values: one display module for every number."""

from __future__ import annotations

import pytest
from django.utils import translation

from citystat.peers.templatetags.peer_tags import peer_number
from citystat.plan import display


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    ("value", "unit"),
    [
        (60.0, "percent"),
        (4.25, "days"),
        (1250.4, "dollars"),
        (12345, "count"),
        (3.456, "rate_per_1000"),
        (None, "count"),
    ],
)
def test_a_peer_figure_reads_like_our_value(language, value, unit):
    with translation.override(language):
        assert peer_number(value, unit) == display.value_text(value, unit)


def test_a_peer_figure_in_spanish_uses_a_decimal_comma():
    with translation.override("es"):
        assert peer_number(4.25, "days") == "4,2 días"
