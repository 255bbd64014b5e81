"""The registry in FHIR R4, following HL7 Belgium's BePractitioner and BePractitionerRole (docs/fhir.md).

A pure mapping from the models to JSON-ready dicts, for the API's FHIR endpoints and the export
command alike: nothing here knows of requests or HTTP.
"""
from .bundles import collection_bundle, searchset_bundle, write_collection_bundle
from .resources import practitioner_resource, practitioner_role_resources

FHIR_JSON = "application/fhir+json"

__all__ = [
    "FHIR_JSON",
    "collection_bundle",
    "practitioner_resource",
    "practitioner_role_resources",
    "searchset_bundle",
    "write_collection_bundle",
]
