import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.views.generic import View

from oxygen.actors import ActorMixin, actor_of

pytestmark = pytest.mark.django_db


def test_the_actor_is_the_logged_in_user_or_nobody(administrator):
    assert actor_of(administrator) is administrator
    assert actor_of(AnonymousUser()) is None
    assert actor_of(None) is None


def test_a_view_normalises_its_request_user_once(administrator):
    class Page(ActorMixin, View):
        pass

    request = RequestFactory().get("/")
    request.user = administrator
    assert Page(request=request).actor is administrator
    request.user = AnonymousUser()
    assert Page(request=request).actor is None
