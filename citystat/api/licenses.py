"""Name a data license the way each catalog format wants it: SPDX, CKAN and Open Definition.

A city writes its license as free text (`CityProfile.data_license`, or a dataset's own
`license`) with a URL. Harvesters want an identifier instead: a data package's
`licenses[].name` (an SPDX id), CKAN's `license_id` and `isopen`. Only licenses
recognised here get an identifier; any other keeps its title and URL and is never
claimed to be open, because a wrong "open" or a wrong version is worse than none. A
Creative Commons license is recognised only with its version (from the URL or the
title), since CC BY 3.0 and 4.0 are different licenses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class License:
    spdx: str
    ckan_id: str
    title: str
    url: str


# The Open Data Commons licenses have one version each.
ODC = {
    "pddl": License("PDDL-1.0", "odc-pddl",
                    "Open Data Commons Public Domain Dedication and License (PDDL)",
                    "https://opendatacommons.org/licenses/pddl/1-0/"),
    "odbl": License("ODbL-1.0", "odc-odbl", "Open Data Commons Open Database License (ODbL)",
                    "https://opendatacommons.org/licenses/odbl/1-0/"),
    "by": License("ODC-By-1.0", "odc-by", "Open Data Commons Attribution License",
                  "https://opendatacommons.org/licenses/by/1-0/"),
}  # fmt: skip
CC0 = License("CC0-1.0", "cc-zero", "Creative Commons CCZero",
              "https://creativecommons.org/publicdomain/zero/1.0/")  # fmt: skip
CC_KINDS = {"by": "Attribution", "by-sa": "Attribution Share-Alike"}
CC_VERSIONS = ("1.0", "2.0", "2.5", "3.0", "4.0")


def creative_commons(kind: str, version: str) -> License | None:
    if kind not in CC_KINDS or version not in CC_VERSIONS:
        return None
    return License(
        f"CC-{kind.upper()}-{version}",
        f"cc-{kind}",
        f"Creative Commons {CC_KINDS[kind]} {version}",
        f"https://creativecommons.org/licenses/{kind}/{version}/",
    )


def from_url(url: str) -> License | None:
    text = url.strip().lower().split("://", 1)[-1].removeprefix("www.")
    parts = [part for part in text.split("?", 1)[0].split("#", 1)[0].split("/") if part]
    if parts[:2] == ["opendatacommons.org", "licenses"] and len(parts) > 2:
        return ODC.get(parts[2])
    if parts[:1] == ["creativecommons.org"] and len(parts) > 3:
        if parts[1:3] == ["publicdomain", "zero"]:
            return CC0 if parts[3] == "1.0" else None
        if parts[1] == "licenses":
            return creative_commons(parts[2], parts[3])
    return None


def from_title(title: str) -> License | None:
    text = " ".join(title.lower().replace("-", " ").split())
    if "pddl" in text:
        return ODC["pddl"]
    if "odbl" in text or "open database license" in text:
        return ODC["odbl"]
    if text.startswith("odc by") or ("open data commons" in text and "attribution" in text):
        return ODC["by"]
    if "cc0" in text or "cczero" in text:
        return CC0
    cc = text.startswith("cc by") or "creative commons attribution" in text
    version = re.search(r"\b(\d\.\d)\b", text)
    if cc and version:
        kind = "by-sa" if ("sa" in text.split() or "share" in text) else "by"
        return creative_commons(kind, version.group(1))
    return None


def recognise(title: str, url: str = "") -> License | None:
    """Return the license that `url` (first) or `title` names exactly, or None."""
    return (from_url(url) if url else None) or from_title(title)


@dataclass(frozen=True)
class DatasetLicense:
    """The license a dataset is published under: as the city wrote it, and recognised."""

    title: str
    url: str
    known: License | None


def dataset_license(dataset_license_text: str, city_title: str, city_url: str) -> DatasetLicense:
    """Return a dataset's license: its own text if it has one, else the city's.

    A dataset's own license has no URL field, so the city's URL is not lent to it.
    """
    if dataset_license_text.strip():
        known = recognise(dataset_license_text)
        return DatasetLicense(dataset_license_text.strip(), known.url if known else "", known)
    known = recognise(city_title, city_url)
    return DatasetLicense(city_title, city_url or (known.url if known else ""), known)
