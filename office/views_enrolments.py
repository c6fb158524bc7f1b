# Placeholder while this part is built in its own branch.
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


enrolment_list = enrolment_change = _missing
