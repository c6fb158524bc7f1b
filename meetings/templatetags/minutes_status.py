from django import template

from meetings.selectors import minutes_overdue as _minutes_overdue

register = template.Library()


@register.filter
def minutes_overdue(meeting):
    """`{% if meeting|minutes_overdue %}`: the minutes have been pending or stale longer than a render takes."""
    return _minutes_overdue(meeting)
