"""The API's errors: always JSON, ``{"code": ..., "detail": ...}`` (plus ``errors`` for bad parameters).

``code`` is a stable word a program can test; ``detail`` says it in the caller's language (the
``Accept-Language`` header, or a logged-in user's own). Ninja's defaults (422 for a bad parameter,
English words) are replaced by the handlers ``install`` adds to an API: a bad query parameter is a
400 that names it. A malformed id in a path matches no route (ids are UUIDs): the URLconf's
catch-all, the view ``install`` returns, answers 404 in the API's form.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, Throttled, ValidationError


class ApiError(Exception):
    """An answer other than 200, with its status, code and words."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(code)
        self.status, self.code, self.detail = status, code, detail


def not_found(detail: str) -> ApiError:
    return ApiError(404, "not_found", detail)


def unknown_practitioner() -> ApiError:
    return not_found(_("No practitioner has this id."))


def forbidden(code: str, detail: str) -> ApiError:
    return ApiError(403, code, detail)


# pydantic's error types -> what the parameter should have been, in words
def _expected(error: dict) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind.startswith("date"):
        return _("a date written YYYY-MM-DD, e.g. 2026-03-01")
    if kind.startswith("int"):
        return _("a whole number")
    if kind in ("enum", "literal_error"):
        return _("one of: %(choices)s") % {"choices": ", ".join(_choices(context.get("expected", "")))}
    if kind == "greater_than_equal":
        return _("a number of at least %(limit)s") % {"limit": context.get("ge")}
    if kind == "less_than_equal":
        return _("a number of at most %(limit)s") % {"limit": context.get("le")}
    return _("a valid value")


def _choices(expected: str) -> list[str]:
    """pydantic's "'a', 'b' or 'c'" as the codes themselves (its "or" is English)."""
    return re.findall(r"'([^']*)'", expected)


def parameter_errors(errors: list[dict]) -> list[dict]:
    """Each bad query parameter with what it should have been."""
    found = []
    for error in errors:
        name = str(error.get("loc", ("", ""))[-1])
        found.append({"parameter": name, "detail": _("“%(parameter)s” must be %(expected)s.") % {
            "parameter": name, "expected": _expected(error)}})
    return found


def install(api: NinjaAPI, render=None) -> Callable[..., HttpResponse]:
    """Give ``api`` the project's error answers. ``render(request, status, code, detail, errors)``
    makes the response (the FHIR API answers with an OperationOutcome); JSON by default.

    Returns the view of "nothing has this address" in the same form, for the URLconf's catch-all
    under the API's prefix (a malformed id, an unknown path)."""

    def respond(request, status, code, detail, errors=None) -> HttpResponse:
        if render is not None:
            return render(request, status, code, detail, errors or [])
        extra = {"errors": errors} if errors else {}
        return api.create_response(request, {"code": code, "detail": detail, **extra}, status=status)

    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return respond(request, exc.status, exc.code, exc.detail)

    @api.exception_handler(ValidationError)
    def bad_parameters(request, exc: ValidationError):
        errors = parameter_errors(exc.errors)
        return respond(request, 400, "bad_parameter", " ".join(error["detail"] for error in errors), errors)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        response = respond(
            request, 401, "not_authenticated",
            _("Send a valid service token (Authorization: Bearer …) or log in first."),
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(Throttled)
    def throttled(request, exc: Throttled):
        return respond(
            request, 429, "rate_limited",
            _("Too many requests with this token: wait %(seconds)d seconds.") % {"seconds": math.ceil(exc.wait or 60)},
        )

    def unknown_address(request, *args, **kwargs) -> HttpResponse:
        return respond(request, 404, "not_found", _("Nothing has this address."))

    @api.exception_handler(Http404)
    def django_404(request, exc):
        return unknown_address(request)

    return unknown_address
