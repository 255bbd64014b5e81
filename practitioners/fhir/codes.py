"""The URLs and codes the FHIR representation uses, in one place.

The systems and profiles are HL7 Belgium's (eHealth Platform federal core profiles, ``hl7.fhir.be.core``);
the profession codes come from eHealth's CD-HCPARTY code system. The conventioned extension is this
project's own: HL7 Belgium defines none (docs/fhir.md says what it means).
"""
from __future__ import annotations

from ..models import Language, Profession

EHEALTH_CORE = "https://www.ehealth.fgov.be/standards/fhir/core"

SSIN_SYSTEM = f"{EHEALTH_CORE}/NamingSystem/ssin"
NIHDI_SYSTEM = f"{EHEALTH_CORE}/NamingSystem/nihdi"
CBE_SYSTEM = f"{EHEALTH_CORE}/NamingSystem/cbe"
CD_HCPARTY_SYSTEM = f"{EHEALTH_CORE}/CodeSystem/cd-hcparty"

BE_PRACTITIONER = f"{EHEALTH_CORE}/StructureDefinition/be-practitioner"
BE_PRACTITIONER_ROLE = f"{EHEALTH_CORE}/StructureDefinition/be-practitionerrole"

BCP47_SYSTEM = "urn:ietf:bcp:47"

# The project owns no domain yet: its canonical URLs live under the reserved `.example` top-level
# domain (RFC 2606), which can never name someone else's artefact. Change it here, once, if the
# project gets a home, before anyone depends on it.
PROJECT_CANONICAL = "https://oxygen.example/fhir"
CONVENTIONED_EXTENSION = f"{PROJECT_CANONICAL}/StructureDefinition/practitionerrole-conventioned"

# CD-HCPARTY's "pers..." codes with their English display (the code system's own designations).
HCPARTY_CODES: dict[Profession, tuple[str, str]] = {
    Profession.PHYSIOTHERAPIST: ("persphysiotherapist", "physiotherapist"),
    Profession.DOCTOR: ("persphysician", "physician"),
    Profession.PODIATRIST: ("perspodologist", "podologist"),
    Profession.SPEECH_THERAPIST: ("perslogopedist", "logopedist"),
    Profession.NURSE: ("persnurse", "nurse"),
    Profession.MIDWIFE: ("persmidwife", "midwife"),
    Profession.DENTIST: ("persdentist", "dentist"),
    Profession.DIETITIAN: ("persdietician", "dietician"),
    Profession.PHARMACIST: ("perspharmacist", "pharmacist"),
}

# The record's language as BCP-47, with the tags CD-HCPARTY's own designations use (fr-BE, nl-BE,
# de, en): each is in FHIR's common-languages value set, which de-BE is not.
LANGUAGE_TAGS: dict[Language, tuple[str, str]] = {
    Language.FRENCH: ("fr-BE", "French (Belgium)"),
    Language.DUTCH: ("nl-BE", "Dutch (Belgium)"),
    Language.GERMAN: ("de", "German"),
    Language.ENGLISH: ("en", "English"),
}

GENDERS = {"M": "male", "F": "female"}

# Titles, written the same in French, Dutch, German and English; Mr and Mrs are forms of address,
# not part of the name, and differ by language (M., Dhr., Herr): not exported.
NAME_PREFIXES = {"dr": "Dr", "prof": "Prof."}
