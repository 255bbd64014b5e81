"""The words for the eID services' refusals (``oxygen.errors.Refused``), for the pages and the command."""
from __future__ import annotations

from django.utils.translation import gettext as _

from eid import services
from oxygen.errors import Refused


def card_reading_message(refused: Refused) -> str:
    """Why the card could not be read or proved: the card's own words, or the PIN limit's."""
    if refused.code == services.PIN_ATTEMPTS_EXHAUSTED:
        return _("Too many PIN checks from your account in a short time. For the card's safety, try again after %(time)s.") % {
            "time": refused.params["retry_time"]
        }
    return str(refused.params["card_message"])
