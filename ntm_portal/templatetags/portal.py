from django import template

register = template.Library()


@register.filter
def person(user):
    """A user's name in Vietnamese order (family name first), or the login when no name is set."""
    if user is None:
        return ""
    name = f"{user.last_name} {user.first_name}".strip()
    return name or user.get_username()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""
