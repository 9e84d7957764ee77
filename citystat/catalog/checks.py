"""`citystat check`: a CITYSTAT_WAREHOUSE the site cannot use is reported at start-up."""

from __future__ import annotations

import shutil
from importlib.util import find_spec
from typing import Any

from django.core import checks


@checks.register()
def warehouse_setting_is_usable(app_configs: Any = None, **kwargs: Any) -> list[checks.Error]:
    """Refuse an engine URL citystat cannot run, or Spark without its Python package or Java."""
    # Imported here: the engines load Ibis and pyarrow, which only the commands that
    # read the warehouse should pay for at start-up (#23).
    from citystat.catalog import engines  # noqa: PLC0415

    try:
        engine = engines.current()
    except engines.EngineError as error:
        return [checks.Error(str(error), id="citystat.E101")]
    problems = []
    if engine.name == "pyspark":
        if find_spec("pyspark") is None:
            problems.append(
                checks.Error(
                    "CITYSTAT_WAREHOUSE names Spark, but pyspark is not installed.",
                    hint="pip install 'citystat[spark]'",
                    id="citystat.E103",
                )
            )
        if shutil.which("java") is None:
            problems.append(
                checks.Error(
                    "CITYSTAT_WAREHOUSE names Spark, but no Java runtime is on PATH.",
                    hint="Install Java 17 (Debian: apt-get install default-jre-headless).",
                    id="citystat.E104",
                )
            )
    return problems
