# Placeholder while this part is built in its own branch.
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


import_list = import_new = import_detail = import_apply = import_file = _missing
