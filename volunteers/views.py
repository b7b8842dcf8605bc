from django.shortcuts import render

from volunteers.roles import Role, role_required


@role_required(Role.VOLUNTEER, Role.RESPONDER, Role.DISPATCHER)
def my_shifts(request):
    return render(request, "volunteers/my_shifts.html")
