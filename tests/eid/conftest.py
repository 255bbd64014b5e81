"""The eID card tests' fixtures: SoftHSM2 tokens that look like a Belgian eID card (tests/softhsm.py)."""
from tests.softhsm import softhsm_factory, softhsm_token  # noqa: F401 (fixtures)
