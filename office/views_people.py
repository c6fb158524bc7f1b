from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


office_home = person_list = person_add = person_detail = person_edit = role_add = role_edit = _missing
person_active = person_send_link = _missing
