from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services


@login_required
@require_GET
def notification_list(request):
    notifications = selectors.inbox_of(request.user)
    return render(request, "notifications/notification_list.html", {"notifications": notifications})


@login_required
@require_POST
def notification_read(request):
    ids = request.POST.getlist("id")
    services.notification_mark_read(user=request.user, notification_ids=[int(i) for i in ids if i.isdigit()] or None)
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("notifications:notification_list")
