"""Project-wide pages: the main screen."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from practitioners import access


@login_required
def dashboard(request):
    return render(request, "dashboard.html", {"own_practitioner": access.own_practitioner(request.user)})
