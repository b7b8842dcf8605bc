from django.shortcuts import render

from volunteers.roles import Role, role_required


@role_required(Role.COORDINATOR)
def dashboard(request):
    return render(request, "assessment/dashboard.html")
