"""docs/fhir/: the conventioned extension's StructureDefinition is valid R4B and names the URL the code writes."""
import json
from pathlib import Path

from fhir.resources.R4B.structuredefinition import StructureDefinition

from practitioners.fhir import codes

DEFINITION = Path(__file__).resolve().parents[3] / "docs/fhir/StructureDefinition-practitionerrole-conventioned.json"


def test_the_documented_extension_is_the_one_written():
    data = json.loads(DEFINITION.read_text(encoding="utf-8"))
    definition = StructureDefinition.model_validate(data)
    assert definition.url == codes.CONVENTIONED_EXTENSION
    elements = {element.path: element for element in definition.differential.element}
    assert elements["Extension.url"].fixedUri == codes.CONVENTIONED_EXTENSION
    assert [kind.code for kind in elements["Extension.value[x]"].type] == ["boolean"]
    assert [context.expression for context in definition.context] == ["PractitionerRole"]
