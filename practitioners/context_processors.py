from django.contrib.auth.models import AnonymousUser

from . import access


def roles(request):
    """What the current user may open, for menus and buttons (``access``'s rule, as the pages ask it).

    A request refused before AuthenticationMiddleware ran (a Host header outside ALLOWED_HOSTS,
    refused by CommonMiddleware) has no ``user``; its 400 page is rendered as for a visitor.
    """
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "can_manage_registry": access.allowed(user, access.MANAGE_REGISTRY),
        "can_exchange_registry_csv": access.allowed(user, access.EXCHANGE_REGISTRY_CSV),
        "can_see_certificates_overview": access.allowed(user, access.CERTIFICATES_OVERVIEW),
        "can_read_audit_log": access.allowed(user, access.AUDIT_LOG),
        "can_manage_service_tokens": access.allowed(user, access.MANAGE_SERVICE_TOKENS),
        # as the admin site decides (AdminSite.has_permission)
        "can_use_admin": user.is_active and user.is_staff,
    }
