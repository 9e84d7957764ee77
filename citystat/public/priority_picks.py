"""The survey side of the pick-your-priorities results page: the resident survey's
importance–satisfaction ranking, shown beside the ballots' tally (views/plan.py).

The page joins two sibling apps (engagement's ballots, surveys' ratings), which may not
import each other (tests/test_import_direction.py); public may read both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from citystat.lib.errors import CitystatError
from citystat.surveys.models import Survey

if TYPE_CHECKING:
    from citystat.surveys.ratings import Priority


def survey_priorities() -> list[Priority]:
    """Return the newest wave's citywide I-S priorities of the public resident survey."""
    # Here, not at the top: the URLconf loads this module, and ratings bring Ibis and
    # DuckDB, which only the page that ranks may load (tests/test_cli.py, #23).
    import duckdb  # noqa: PLC0415  # heavy: loaded by the page that ranks only

    from citystat.surveys.ratings import priorities, waves  # noqa: PLC0415  # heavy: Ibis

    survey = Survey.objects.filter(kind=Survey.Kind.RESIDENT, is_public=True).first()
    if survey is None:
        return []
    try:
        results = priorities(survey.layout())
    except (CitystatError, LookupError, ValueError, duckdb.Error):
        # A survey registered before its data was published ranks nothing yet.
        return []
    citywide = {wave: rows for (wave, group), rows in results.items() if group is None}
    # The newest wave by survey date: "1QSEP2022" is newer than "3QMAR2022" (waves.py).
    newest = next((wave for wave in reversed(waves(survey.layout())) if wave in citywide), None)
    return citywide[newest] if newest is not None else []
