"""`{% svg_map map label tappable %}`: a server-drawn map (citystat.city.svg_maps) as SVG."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from citystat.city.svg_maps import SvgMap, svg_markup

register = template.Library()


@register.simple_tag
def svg_map(drawn: SvgMap, label: str, tappable: bool = False) -> SafeString:
    return svg_markup(drawn, label, tappable)
