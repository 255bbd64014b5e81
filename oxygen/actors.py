"""Who acts: the user behind a request, normalised once, by the view or the command.

Services take ``actor`` (a keyword argument): the logged-in User, or None for an anonymous visitor
and for system jobs (commands, tasks, demo seeding). They never look at ``is_authenticated``.
A view turns its request's user into the actor once (``ActorMixin.actor``, or ``actor_of``); a
command passes the user it was given, or None. Services that write the audit log also take
``request``, only as the audit context (the client's address); never to find who acted.
"""
from __future__ import annotations

from functools import cached_property


def actor_of(user):
    """``user`` when it is a logged-in user; None for None or an anonymous visitor."""
    return user if user is not None and user.is_authenticated else None


class ActorMixin:
    """For views: ``self.actor`` is the request's user as the services' ``actor``."""

    @cached_property
    def actor(self):
        return actor_of(getattr(self.request, "user", None))
