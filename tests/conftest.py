"""Users for each role, records, and the guard for tests that need the real services."""
from __future__ import annotations

import datetime
import os

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.utils import translation

from practitioners import roles
from practitioners.models import InamiPeriod, Practitioner, Profession

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Commands run in subprocesses speak the shell's language (oxygen/cli.py): English, like the tests.
os.environ["LANGUAGE"] = "en"
# Test certificates name no OCSP responder and tests use no outside network: revocation checks are
# off unless a test turns them on (with a real responder: tests/ocsp_responder.py).
os.environ["EHEALTH_REVOCATION_CHECK"] = "off"


def require_service(available: bool, what: str) -> None:
    """Tests that need a real service skip on a developer's machine without it, and fail in CI."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available", pytrace=False)
    pytest.skip(f"{what} not available here")


@pytest.fixture
def postgres(db):
    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")
    return connection


@pytest.fixture(autouse=True)
def _english_by_default():
    """Tests read messages in English unless they switch language themselves."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _revocation_check_off(settings):
    settings.EHEALTH_REVOCATION_CHECK = False


@pytest.fixture
def client():
    """A test client whose browser asks for English pages (the site's default is French)."""
    return Client(headers={"accept-language": "en"})


def make_user(username: str, role: str | None = None, **extra) -> User:
    user = User.objects.create_user(username=username, password="correct horse battery", **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_practitioner(**fields) -> Practitioner:
    defaults = dict(
        last_name="Peeters",
        first_names="Jan",
        birth_date=datetime.date(1985, 7, 30),
        sex="M",
        niss="85073003328",
        email="jan.peeters@example.be",
        language="nl",
    )
    defaults.update(fields)
    practitioner = Practitioner(**defaults)
    practitioner.full_clean()
    practitioner.save()
    return practitioner


def add_period(practitioner: Practitioner, **fields) -> InamiPeriod:
    defaults = dict(
        profession=Profession.PHYSIOTHERAPIST,
        start_date=datetime.date(2015, 1, 1),
        end_date=None,
        inami_number="53886171521",
        conventioned=True,
    )
    defaults.update(fields)
    return InamiPeriod.objects.create(practitioner=practitioner, **defaults)


@pytest.fixture
def practitioner_record(db) -> Practitioner:
    return make_practitioner()


@pytest.fixture
def other_record(db) -> Practitioner:
    return make_practitioner(
        last_name="Dubois", first_names="Marie", birth_date=datetime.date(2003, 2, 15), sex="F",
        niss="03021500440", email="marie.dubois@example.be", language="fr",
    )


@pytest.fixture
def front_desk(db) -> User:
    return make_user("accueil", roles.FRONT_DESK)


@pytest.fixture
def administrator(db) -> User:
    return make_user("admin", roles.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def practitioner_user(practitioner_record) -> User:
    user = make_user("jan", roles.PRACTITIONER)
    practitioner_record.user = user
    practitioner_record.save()
    return user


@pytest.fixture
def other_practitioner_user(other_record) -> User:
    user = make_user("marie", roles.PRACTITIONER)
    other_record.user = user
    other_record.save()
    return user
