"""FHIR Bundles of the registry: the whole registry as a collection (the export command) and search
results as a searchset (the API's searches).

Entries get RESTful fullUrls (`<base_url>/<type>/<id>`, base_url being where the API serves FHIR), so
that the roles' relative references (`Practitioner/<id>`) resolve inside the Bundle as FHIR's
resolution rules say; `urn:uuid:` fullUrls would leave them dangling.
"""
from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator
from typing import TextIO

from django.db.models import QuerySet
from django.utils import timezone

from ..models import Practitioner
from .resources import practitioner_resource, practitioner_role_resources

CHUNK_SIZE = 500
"""Records read per query; their periods come in one more query per chunk, whatever their number."""


def collection_bundle(
    practitioners: QuerySet[Practitioner] | None = None, *, base_url: str, timestamp: datetime.datetime | None = None
) -> dict:
    """The records (all by default) as a Bundle of type collection: each Practitioner, then its roles."""
    entries = list(collection_entries(practitioners, base_url=base_url))
    return {**_collection_head(timestamp), **({"entry": entries} if entries else {})}


def write_collection_bundle(
    out: TextIO,
    practitioners: QuerySet[Practitioner] | None = None,
    *,
    base_url: str,
    timestamp: datetime.datetime | None = None,
) -> int:
    """Write `collection_bundle` as compact JSON, one entry a line, without holding the registry in
    memory; return the number of practitioners written."""
    head = _json(_collection_head(timestamp))[:-1]  # its closing brace comes after the entries
    count = 0
    entries = 0
    for entry in collection_entries(practitioners, base_url=base_url):
        out.write(",\n" if entries else head + ',"entry":[\n')
        out.write(_json(entry))
        entries += 1
        count += entry["resource"]["resourceType"] == "Practitioner"
    out.write("\n]}\n" if entries else head + "}\n")
    return count


def collection_entries(practitioners: QuerySet[Practitioner] | None = None, *, base_url: str) -> Iterator[dict]:
    """Each record's Practitioner entry then its PractitionerRole entries, a chunk of records at a time."""
    day = timezone.localdate()
    records = (Practitioner.objects.all() if practitioners is None else practitioners).prefetch_related("inami_periods")
    for practitioner in records.iterator(chunk_size=CHUNK_SIZE):
        yield _entry(practitioner_resource(practitioner), base_url)
        for role in practitioner_role_resources(practitioner, day):
            yield _entry(role, base_url)


def searchset_bundle(
    resources: Iterable[dict],
    total: int,
    *,
    base_url: str,
    self_url: str | None = None,
    timestamp: datetime.datetime | None = None,
) -> dict:
    """Search results (`resources`, this page's matches) as a Bundle of type searchset; `total` counts
    every match; `self_url`, when given, is the search's own URL (link `self`)."""
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": _instant(timestamp),
        "total": total,
        "link": [{"relation": "self", "url": self_url}] if self_url else [],
        "entry": [{**_entry(resource, base_url), "search": {"mode": "match"}} for resource in resources],
    }
    return {key: value for key, value in bundle.items() if value != []}


def _collection_head(timestamp: datetime.datetime | None) -> dict:
    return {"resourceType": "Bundle", "type": "collection", "timestamp": _instant(timestamp)}


def _entry(resource: dict, base_url: str) -> dict:
    return {"fullUrl": f"{base_url.rstrip('/')}/{resource['resourceType']}/{resource['id']}", "resource": resource}


def _instant(moment: datetime.datetime | None) -> str:
    """A FHIR instant: to the second, with its offset."""
    return (moment or timezone.now()).isoformat(timespec="seconds")


def _json(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
