from django.shortcuts import render

from volunteers.roles import Role, role_required


@role_required(Role.DISPATCHER)
def console(request):
    return render(request, "dispatch/console.html")
