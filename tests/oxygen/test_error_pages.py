"""Error pages speak the user's language and keep the site's look, without inline code (CSP)."""
import pytest
from django.test import override_settings
from django.urls import reverse


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_unknown_page_gets_the_translated_404(client, front_desk):
    client.force_login(front_desk)
    response = client.get("/nowhere/", headers={"accept-language": "nl"})
    assert response.status_code == 404
    body = response.content.decode()
    assert 'lang="nl"' in body and "Pagina niet gevonden" in body and "<script" not in body


@pytest.mark.django_db
def test_forbidden_page_explains_what_to_do(client, practitioner_user):
    client.force_login(practitioner_user)
    response = client.get(reverse("practitioners:list"))
    assert response.status_code == 403
    assert "ask an administrator" in response.content.decode()


def test_the_server_error_page_needs_no_context_and_is_trilingual():
    from django.template.loader import get_template

    body = get_template("500.html").render()
    assert all(f'lang="{code}"' in body for code in ("fr", "nl", "en"))


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_host_outside_allowed_hosts_gets_the_400_page_not_a_server_error(client):
    # CommonMiddleware refuses the Host before AuthenticationMiddleware runs: the request has no
    # user when the 400 page is rendered.
    response = client.get(reverse("practitioners:list"), headers={"host": "evil.example", "accept-language": "nl"})
    assert response.status_code == 400
    assert 'lang="nl"' in response.content.decode()
