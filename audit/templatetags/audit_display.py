"""The audit log page's summary and details cells (audit.display), in the reader's language."""
from django import template

from ..display import event_details, event_summary

register = template.Library()

register.filter("event_summary", event_summary)
register.filter("event_details", event_details)
