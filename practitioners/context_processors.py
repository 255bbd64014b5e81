from . import roles as role_checks


def roles(request):
    """The current user's role, for menus and buttons."""
    user = request.user
    return {
        "user_role": role_checks.role_of(user),
        "is_administrator": role_checks.is_administrator(user),
        "can_manage_registry": role_checks.can_manage_registry(user),
    }
