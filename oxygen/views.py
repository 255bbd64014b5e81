"""Project-wide pages: the main screen."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from practitioners import roles


@login_required
def dashboard(request):
    return render(request, "dashboard.html", {"own_practitioner": roles.own_practitioner(request.user)})
