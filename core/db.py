def upsert(model, defaults, **lookup):
    """Like update_or_create, but writes (and so records history) only when something changed."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **defaults)
    changed = [key for key, value in defaults.items() if getattr(obj, key) != value]
    if changed:
        for key in changed:
            setattr(obj, key, defaults[key])
        obj.save(update_fields=changed)
    return obj
