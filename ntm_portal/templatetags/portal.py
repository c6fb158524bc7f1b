from django import template

from core.names import person_name

register = template.Library()


register.filter("person", person_name)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""
