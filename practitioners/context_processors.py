from django.contrib.auth.models import AnonymousUser

from . import roles as role_checks


def roles(request):
    """The current user's role, for menus and buttons.

    A request refused before AuthenticationMiddleware ran (a Host header outside ALLOWED_HOSTS,
    refused by CommonMiddleware) has no ``user``; its 400 page is rendered as for a visitor.
    """
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "user_role": role_checks.role_of(user),
        "is_administrator": role_checks.is_administrator(user),
        "can_manage_registry": role_checks.can_manage_registry(user),
    }
