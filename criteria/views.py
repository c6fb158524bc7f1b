from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .models import CriteriaSet
from .selectors import criteria_set_with_content, criteria_sets_for_browsing


@login_required
def set_list(request):
    return render(request, "criteria/criteriaset_list.html", {"sets": criteria_sets_for_browsing()})


@login_required
def set_detail(request, code):
    criteria_set = get_object_or_404(CriteriaSet, code=code)
    return render(
        request,
        "criteria/criteriaset_detail.html",
        {
            "criteria_set": criteria_set,
            "criteria": criteria_set_with_content(criteria_set),
            "zones": criteria_set.zones,
        },
    )
