from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from . import access
from .selectors import unit_ancestors, unit_children, unit_predecessors, units_search


@login_required
def unit_list(request):
    query = request.GET.get("q", "").strip()
    units = units_search(request.user, query)
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    return render(request, "communes/unit_list.html", {"page": page, "query": query})


@login_required
def unit_detail(request, code):
    version = request.GET.get("version", "")
    if version and not version.isdigit():
        raise Http404
    unit = access.get_unit_or_404(request.user, code, version=int(version) if version else None)
    children = list(unit_children(unit))
    return render(
        request,
        "communes/unit_detail.html",
        {
            "unit": unit,
            "children": children,
            "predecessors": list(unit_predecessors(unit)),
            "successor_readable": unit.replaced_by is not None and access.may_view_unit(request.user, unit.replaced_by),
            "ancestors": [a for a in unit_ancestors(unit) if access.roles_at(request.user, a)],
        },
    )
