"""Every page of the project and who may open it: the URLconf enumerated, with the expected answer
for each role and method (checked by tests/test_access_matrix.py, rendered by the language and
layout tests)."""
from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver, reverse

ROLES = ("anonymous", "front_desk", "practitioner_a", "practitioner_b", "administrator")
LOGIN = "login"  # 302 to the login page
ELSEWHERE = "redirect"  # 302 to another page
PUBLIC_HEALTH = frozenset({200, 503})  # /healthz: 503 while the daily scan has not run yet


def row(anonymous, front_desk, practitioner_a, practitioner_b, administrator):
    return dict(zip(ROLES, (anonymous, front_desk, practitioner_a, practitioner_b, administrator), strict=True))


# URL name -> {method: expected answer per role}; every named URL outside the admin must be here.
EXPECTED = {
    "dashboard": {"GET": row(LOGIN, 200, 200, 200, 200), "POST": row(LOGIN, 200, 200, 200, 200)},
    "healthz": {"GET": row(*[PUBLIC_HEALTH] * 5), "POST": row(405, 405, 405, 405, 405)},
    "login": {"GET": row(200, ELSEWHERE, ELSEWHERE, ELSEWHERE, ELSEWHERE), "POST": row(200, ELSEWHERE, ELSEWHERE, ELSEWHERE, ELSEWHERE)},
    "logout": {"GET": row(405, 405, 405, 405, 405), "POST": row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)},
    "set_language": {"GET": row(ELSEWHERE, ELSEWHERE, ELSEWHERE, ELSEWHERE, ELSEWHERE), "POST": row(ELSEWHERE, ELSEWHERE, ELSEWHERE, ELSEWHERE, ELSEWHERE)},
    # the registry
    "practitioners:list": {"GET": row(LOGIN, 200, 403, 403, 200), "POST": row(LOGIN, 405, 403, 403, 405)},
    "practitioners:create": {"GET": row(LOGIN, 200, 403, 403, 200), "POST": row(LOGIN, 200, 403, 403, 200)},
    "practitioners:import": {"GET": row(LOGIN, 403, 403, 403, 200), "POST": row(LOGIN, 403, 403, 403, 200)},
    "practitioners:export": {"GET": row(LOGIN, 403, 403, 403, 200), "POST": row(LOGIN, 403, 403, 403, 405)},
    "practitioners:detail": {"GET": row(LOGIN, 200, 200, 403, 200), "POST": row(LOGIN, 405, 405, 403, 405)},
    "practitioners:print": {"GET": row(LOGIN, 200, 200, 403, 200), "POST": row(LOGIN, 405, 405, 403, 405)},
    "practitioners:edit": {"GET": row(LOGIN, 200, 403, 403, 200), "POST": row(LOGIN, 200, 403, 403, 200)},
    "practitioners:contact": {"GET": row(LOGIN, 200, 200, 403, 200), "POST": row(LOGIN, ELSEWHERE, ELSEWHERE, 403, ELSEWHERE)},
    # the record's certificate: its practitioner and administrators only
    "ehealth_certs:upload": {"GET": row(LOGIN, 403, 200, 403, 200), "POST": row(LOGIN, 403, 200, 403, 200)},
    "ehealth_certs:detail": {"GET": row(LOGIN, 403, 200, 403, 200), "POST": row(LOGIN, 403, 405, 403, 405)},
    "ehealth_certs:remove": {"GET": row(LOGIN, 403, 200, 403, 200), "POST": row(LOGIN, 403, ELSEWHERE, 403, ELSEWHERE)},
    "ehealth_certs:renewal_step": {"GET": row(LOGIN, 403, 405, 403, 405), "POST": row(LOGIN, 403, ELSEWHERE, 403, ELSEWHERE)},
    "ehealth_certs:password": {"GET": row(LOGIN, 403, 200, 403, 200), "POST": row(LOGIN, 403, 200, 403, 200)},
    "ehealth_certs:revoke": {"GET": row(LOGIN, 403, 200, 403, 200), "POST": row(LOGIN, 403, 200, 403, 200)},
    "ehealth_certs:password_file": {"GET": row(LOGIN, 403, 200, 403, 200), "POST": row(LOGIN, 403, 200, 403, 200)},
    # the one-time download belongs to the user who changed the password: 410 for anybody else
    "ehealth_certs:download": {"GET": row(LOGIN, 403, 200, 403, 410), "POST": row(LOGIN, 403, 405, 403, 405)},
    "ehealth_certs:download_file": {"GET": row(LOGIN, 403, 200, 403, ELSEWHERE), "POST": row(LOGIN, 403, 405, 403, 405)},
    "eid:record": {"GET": row(LOGIN, 200, 200, 403, 200), "POST": row(LOGIN, 200, 200, 403, 200)},
    # a new record from the eID card: the registry's managers
    "eid:read": {"GET": row(LOGIN, 200, 403, 403, 200), "POST": row(LOGIN, 200, 403, 403, 200)},
    "eid:create": {"GET": row(LOGIN, ELSEWHERE, 403, 403, ELSEWHERE), "POST": row(LOGIN, 200, 403, 403, 200)},
    # administrators' pages
    "ehealth_certs:overview": {"GET": row(LOGIN, 403, 403, 403, 200), "POST": row(LOGIN, 403, 403, 403, 405)},
    "ehealth_certs:overview_print": {"GET": row(LOGIN, 403, 403, 403, 200), "POST": row(LOGIN, 403, 403, 403, 405)},
    "ehealth_certs:overview_export": {"GET": row(LOGIN, 403, 403, 403, 200), "POST": row(LOGIN, 403, 403, 403, 405)},
    "audit:list": {"GET": row(LOGIN, 403, 403, 403, 200), "POST": row(LOGIN, 403, 403, 403, 405)},
    # the read API and FHIR (docs/api.md): JSON answers, 401 rather than the login page; read-only (405)
    "api-v1:index": {"GET": row(*[200] * 5), "POST": row(*[405] * 5)},
    "api-v1:api-root": {"GET": row(*[200] * 5), "POST": row(*[405] * 5)},
    "api-v1:openapi-json": {"GET": row(*[200] * 5), "POST": row(*[405] * 5)},
    "api-v1:openapi-view": {"GET": row(*[200] * 5), "POST": row(*[405] * 5)},
    "api-v1:practitioners": {"GET": row(401, 200, 403, 403, 200), "POST": row(*[405] * 5)},
    "api-v1:practitioner": {"GET": row(401, 200, 200, 403, 200), "POST": row(*[405] * 5)},
    # A's record has no INAMI period: "no number today" once access is granted
    "api-v1:practitioner_inami": {"GET": row(401, 404, 404, 403, 404), "POST": row(*[405] * 5)},
    "api-v1:practitioner_certificate": {"GET": row(401, 200, 200, 403, 200), "POST": row(*[405] * 5)},
    "api_not_found": {"GET": row(*[404] * 5), "POST": row(*[404] * 5)},
    "fhir:base": {"GET": row(*[200] * 5), "POST": row(*[405] * 5)},
    "fhir:api-root": {"GET": row(*[200] * 5), "POST": row(*[405] * 5)},
    "fhir:metadata": {"GET": row(*[200] * 5), "POST": row(*[405] * 5)},
    "fhir:openapi-json": {"GET": row(*[200] * 5), "POST": row(*[405] * 5)},
    "fhir:practitioner": {"GET": row(401, 200, 200, 403, 200), "POST": row(*[405] * 5)},
    # without ?practitioner= the search is refused before anything is read
    "fhir:practitioner_roles": {"GET": row(401, 400, 400, 400, 400), "POST": row(*[405] * 5)},
    # reversed, the catch-all's pattern gives /fhir/ itself: the FHIR base (tests/api test the catch-all)
    "fhir_not_found": {"GET": row(*[200] * 5), "POST": row(*[405] * 5)},
    # the service tokens other programs read the API with (the token in the URLs is still valid)
    "api:service_tokens": {"GET": row(LOGIN, 403, 403, 403, 200), "POST": row(LOGIN, 403, 403, 403, 405)},
    "api:service_token_create": {"GET": row(LOGIN, 403, 403, 403, 200), "POST": row(LOGIN, 403, 403, 403, 200)},
    "api:service_token_revoke": {"GET": row(LOGIN, 403, 403, 403, 200), "POST": row(LOGIN, 403, 403, 403, ELSEWHERE)},
}


def url_patterns(resolver=None, prefix="", namespace=None, inherited=None):
    """(qualified name, route, {kwarg: converter}) for every URL of the project, includes followed."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        converters = {**(inherited or {}), **getattr(pattern.pattern, "converters", {})}
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, (namespace, pattern.namespace))) or None
            yield from url_patterns(pattern, route, inner, converters)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name, route, converters


def url_for(name: str, kwargs: dict[str, object]) -> str:
    [converters] = [converters for qualified, _route, converters in url_patterns() if qualified == name]
    return reverse(name, kwargs={key: kwargs[key] for key in converters})


def snapshot() -> dict[str, list[dict]]:
    """Every row of the registry, certificate and service token tables, and the users (without their last login)."""
    rows = {}
    for label in ("practitioners", "ehealth_certs", "api"):
        for model in apps.get_app_config(label).get_models():
            rows[model._meta.label] = [
                {key: bytes(value) if isinstance(value, memoryview) else value for key, value in values.items()}
                for values in model.objects.order_by("pk").values()
            ]
    rows["auth.User"] = list(User.objects.order_by("pk").values("pk", "username", "password", "is_active", "is_staff"))
    return rows
