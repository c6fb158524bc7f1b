def person_name(user):
    """A user's name in Vietnamese order (family name first), or the login when no name is set."""
    if user is None:
        return ""
    return f"{user.last_name} {user.first_name}".strip() or user.get_username()
