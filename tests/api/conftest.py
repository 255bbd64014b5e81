"""Tokens and a client that calls the API with one."""
from __future__ import annotations

import pytest
from django.test import Client

from api.models import Scope
from api.services import create_token

EVERY_SCOPE = (Scope.REGISTRY, Scope.CERTIFICATES)


@pytest.fixture
def make_token(db):
    """make_token(scopes=..., name=..., requests_per_minute=...) -> the token's text."""
    made = []

    def make(scopes=EVERY_SCOPE, name=None, requests_per_minute=600):
        created = create_token(
            name=name or f"Program {len(made) + 1}", scopes=scopes, requests_per_minute=requests_per_minute, actor=None,
        )
        made.append(created.token)
        return created.text

    return make


@pytest.fixture
def token_client():
    """token_client(text) -> a client that sends ``Authorization: Bearer <text>`` (English answers)."""
    return lambda text: Client(headers={"authorization": f"Bearer {text}", "accept-language": "en"})


@pytest.fixture
def api(make_token, token_client):
    """A client with a token of every scope."""
    return token_client(make_token())
