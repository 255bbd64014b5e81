"""The administrators' token pages: who reaches them, a new token shown once (only its hash stored),
every bad input refused with its message and nothing stored, revoking once after a confirmation."""
from __future__ import annotations

import hashlib
import uuid

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import translation

from api import services
from api.models import Scope, ServiceToken
from audit.models import AuditEvent, EventKind

pytestmark = pytest.mark.django_db

LIST = reverse("api:service_tokens")
CREATE = reverse("api:service_token_create")
GOOD = {"name": "Facturation", "scopes": [Scope.REGISTRY, Scope.CERTIFICATES], "requests_per_minute": "120"}


def revoke_url(token: ServiceToken) -> str:
    return reverse("api:service_token_revoke", args=[token.public_id])


@pytest.fixture
def token(administrator) -> ServiceToken:
    return services.create_token(name="MyCareNet", scopes=[Scope.REGISTRY], requests_per_minute=600, actor=administrator).token


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def every_stored_value() -> str:
    """Every value of every row of every table, sessions decoded, as text (to look for a secret)."""
    values = [str(session.get_decoded()) for session in Session.objects.all()]
    for model in apps.get_models():
        for row in model.objects.values_list():
            values += [str(value) for value in row]
    return "\n".join(values)


# --------------------------------------------------------------------------- who reaches the pages


# an administrator's answer to GET and POST (an empty POST: the form's errors; the revocation: back to the list)
ADMINISTRATOR_ANSWERS = {"list": (200, 405), "create": (200, 200), "revoke": (200, 302)}


@pytest.mark.parametrize("page", sorted(ADMINISTRATOR_ANSWERS))
@pytest.mark.parametrize("role", ["anonymous", "front_desk", "practitioner_user", "administrator"])
def test_only_administrators_reach_the_pages(client, request, token, page, role):
    url = {"list": LIST, "create": CREATE, "revoke": revoke_url(token)}[page]
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    for method, administrators_answer in zip(("get", "post"), ADMINISTRATOR_ANSWERS[page]):
        response = getattr(client, method)(url)
        if role == "anonymous":
            assert response.status_code == 302 and response.url.startswith(reverse("login"))
        elif role == "administrator":
            assert response.status_code == administrators_answer, (method, response.status_code)
        else:
            assert response.status_code == 403
    token.refresh_from_db()
    assert token.is_revoked == (role == "administrator" and page == "revoke")
    assert ServiceToken.objects.count() == 1


def test_the_menu_links_to_the_pages_for_administrators_only(client, front_desk, administrator):
    client.force_login(front_desk)
    assert LIST not in client.get(reverse("dashboard")).content.decode()
    client.force_login(administrator)
    assert LIST in client.get(reverse("dashboard")).content.decode()


# --------------------------------------------------------------------------- the list


def test_the_list_shows_valid_tokens_first_then_revoked_ones_greyed(admin_client, administrator, token):
    old = services.create_token(name="Ancien logiciel", scopes=[Scope.CERTIFICATES], requests_per_minute=5, actor=administrator).token
    services.revoke_token(old, actor=administrator)
    services.record_use(token, "192.0.2.7")
    newer = services.create_token(name="Agenda", scopes=[Scope.REGISTRY], requests_per_minute=60, actor=administrator).token
    page = admin_client.get(LIST).content.decode()
    rows = page[page.index("<tbody>"):]
    assert rows.index("Agenda") < rows.index("MyCareNet") < rows.index("Ancien logiciel")
    assert token.prefix + "…" in page and "192.0.2.7" in page and "never" in page
    assert "eHealth certificate status" in page and "Practitioner registry (records, INAMI numbers, FHIR)" in page
    assert page.count('data-revoked="true"') == 1 and "table-secondary" in page
    assert revoke_url(token) in page and revoke_url(newer) in page and revoke_url(old) not in page
    assert reverse("api:service_token_create") in page


def test_the_list_reads_in_french(client, administrator, token):
    client.force_login(administrator)
    client.cookies["django_language"] = "fr"
    page = client.get(LIST).content.decode()
    assert "Accès des logiciels" in page and "Registre des prestataires" in page


# --------------------------------------------------------------------------- creating: shown once, only the hash stored


def test_creating_shows_the_token_once_and_stores_only_its_hash(admin_client, administrator):
    response = admin_client.post(CREATE, GOOD)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ServiceToken.objects.get()
    text = response.context["token_text"]
    page = response.content.decode()
    assert text in page and text.startswith(token.prefix)
    assert hashlib.sha256(text.encode()).hexdigest() == token.token_hash
    assert text not in every_stored_value()
    assert "will not be shown again" in page and "Authorization: Bearer" in page and "/api/v1/docs" in page
    assert 'id="copy-token"' in page and "js/copy_text.js" in page
    assert (token.name, token.requests_per_minute, token.scopes, token.created_by) == (
        "Facturation", 120, {Scope.REGISTRY, Scope.CERTIFICATES}, administrator
    )
    event = AuditEvent.objects.get(kind=EventKind.SERVICE_TOKEN_CREATED)
    assert event.user == administrator and text not in str(event.details) + event.summary
    # the list afterwards shows its start, never the token
    assert text not in admin_client.get(LIST).content.decode()
    assert text not in every_stored_value()


def test_the_form_page_is_not_cached_either(admin_client):
    response = admin_client.get(CREATE)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    form = response.context["form"]
    assert form["scopes"].value() == [Scope.REGISTRY] and form["requests_per_minute"].value() == 600


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": ""}, "name", "This field is required."),
    ({"name": "   "}, "name", "This field is required."),
    ({"name": "x" * 101}, "name", "Ensure this value has at most 100 characters (it has 101)."),
    ({"scopes": []}, "scopes", "Choose at least one thing the token may read."),
    ({"scopes": ["everything:write"]}, "scopes", "Select a valid choice. everything:write is not one of the available choices."),
    ({"requests_per_minute": "0"}, "requests_per_minute", "Ensure this value is greater than or equal to 1."),
    ({"requests_per_minute": "100001"}, "requests_per_minute", "Ensure this value is less than or equal to 100000."),
    ({"requests_per_minute": "beaucoup"}, "requests_per_minute", "Enter a whole number."),
    ({"requests_per_minute": ""}, "requests_per_minute", "This field is required."),
])
def test_every_bad_input_is_refused_with_its_message_and_nothing_stored(admin_client, changes, field, message):
    response = admin_client.post(CREATE, {**GOOD, **changes})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not ServiceToken.objects.exists()
    assert not AuditEvent.objects.filter(kind=EventKind.SERVICE_TOKEN_CREATED).exists()


def test_the_name_of_a_valid_token_is_refused(admin_client, token):
    response = admin_client.post(CREATE, {**GOOD, "name": " MyCareNet "})
    assert response.context["form"].errors["name"] == ["A token that is not revoked already has this name."]
    assert ServiceToken.objects.count() == 1


def test_the_name_of_a_revoked_token_can_be_given_again(admin_client, administrator, token):
    services.revoke_token(token, actor=administrator)
    response = admin_client.post(CREATE, {**GOOD, "name": "MyCareNet"})
    assert response.status_code == 200 and "token_text" in response.context
    assert ServiceToken.objects.filter(name="MyCareNet").count() == 2


def test_a_name_taken_at_the_same_moment_is_said_on_the_form(admin_client, administrator, monkeypatch):
    """Two administrators: the form's check passed, then the service refuses (its unique constraint)."""
    real = services.create_token

    def first_the_other_administrator(**kwargs):
        real(name=kwargs["name"], scopes=[Scope.REGISTRY], requests_per_minute=1, actor=administrator)
        return real(**kwargs)

    monkeypatch.setattr(services, "create_token", first_the_other_administrator)
    response = admin_client.post(CREATE, GOOD)
    assert response.context["form"].errors["name"] == ["A token that is not revoked already has this name."]
    assert "token_text" not in response.context
    assert ServiceToken.objects.count() == 1


# --------------------------------------------------------------------------- revoking


def test_revoking_asks_first_then_revokes_and_audits(admin_client, administrator, token):
    confirmation = admin_client.get(revoke_url(token)).content.decode()
    assert "MyCareNet" in confirmation and "refused at once" in confirmation
    token.refresh_from_db()
    assert not token.is_revoked

    response = admin_client.post(revoke_url(token), follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "is revoked: calls with it are refused from now on" in response.content.decode()
    token.refresh_from_db()
    assert token.is_revoked and token.revoked_by == administrator
    event = AuditEvent.objects.get(kind=EventKind.SERVICE_TOKEN_REVOKED)
    assert event.user == administrator and event.details == {"client": "MyCareNet"}
    assert services.token_for("oxy_" + "x" * 43) is None


def test_revoking_twice_says_so_and_changes_nothing(admin_client, administrator, token):
    admin_client.post(revoke_url(token))
    token.refresh_from_db()
    first = (token.revoked_at, token.revoked_by)
    for method in ("get", "post"):
        response = getattr(admin_client, method)(revoke_url(token), follow=True)
        assert response.redirect_chain[-1][0] == LIST
        assert "The token “MyCareNet” is already revoked." in response.content.decode()
    token.refresh_from_db()
    assert (token.revoked_at, token.revoked_by) == first
    assert AuditEvent.objects.filter(kind=EventKind.SERVICE_TOKEN_REVOKED).count() == 1


def test_an_unknown_token_is_not_found(admin_client, token):
    url = reverse("api:service_token_revoke", args=[uuid.uuid4()])
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url).status_code == 404
    token.refresh_from_db()
    assert not token.is_revoked


def test_the_confirmation_reads_in_dutch(client, administrator, token):
    client.force_login(administrator)
    client.cookies["django_language"] = "nl"
    with translation.override("nl"):
        page = client.get(revoke_url(token)).content.decode()
    assert "Toegang voor programma" in page and "onmiddellijk geweigerd" in page
