"""The interface language follows the user: their own choice, else their record's language; the
navbar's switcher still wins, and is remembered for the next login."""
import re

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from practitioners.models import UserPreference

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # tests.factories.make_user


def browser() -> Client:
    """A browser that asks for French, as the practices' computers mostly do."""
    return Client(headers={"accept-language": "fr"})


def log_in(client: Client, username: str) -> None:
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.status_code


def page_language(client: Client) -> str:
    page = client.get(reverse("dashboard")).content.decode()
    return re.search(r'<html lang="([a-z-]+)"', page).group(1)


def switch_to(client: Client, language: str) -> None:
    response = client.post(reverse("set_language"), {"language": language, "next": reverse("dashboard")})
    assert response.status_code == 302


def test_a_practitioner_whose_record_says_dutch_gets_dutch_after_login(practitioner_user, practitioner_record):
    assert practitioner_record.language == "nl"
    client = browser()
    log_in(client, "jan")
    assert page_language(client) == "nl"
    assert "Welkom" in client.get(reverse("dashboard")).content.decode()


def test_the_switcher_still_wins_and_is_kept_for_the_next_login(practitioner_user):
    client = browser()
    log_in(client, "jan")
    switch_to(client, "fr")
    assert page_language(client) == "fr"
    assert UserPreference.objects.get(user=practitioner_user).language == "fr"
    client.post(reverse("logout"))
    again = browser()
    log_in(again, "jan")
    assert page_language(again) == "fr"


def test_a_user_without_record_gets_their_own_choice(front_desk):
    UserPreference.objects.create(user=front_desk, language="nl")
    client = browser()
    log_in(client, "accueil")
    assert page_language(client) == "nl"


def test_without_choice_nor_record_the_browser_language_stays(front_desk):
    client = browser()
    log_in(client, "accueil")
    assert page_language(client) == "fr"


def test_a_record_language_the_interface_does_not_speak_changes_nothing(practitioner_user, practitioner_record):
    practitioner_record.language = "de"
    practitioner_record.save()
    client = browser()
    log_in(client, "jan")
    assert page_language(client) == "fr"


def test_an_unknown_language_from_the_switcher_is_not_kept(front_desk):
    client = browser()
    log_in(client, "accueil")
    client.post(reverse("set_language"), {"language": "xx", "next": reverse("dashboard")})
    assert not UserPreference.objects.exists()
    assert page_language(client) == "fr"


def test_the_database_refuses_an_unknown_language(front_desk):
    with pytest.raises(IntegrityError):
        UserPreference.objects.create(user=front_desk, language="xx")
