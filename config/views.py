from django.shortcuts import redirect, render

from dispatch.selectors import call_out_landing_path
from volunteers.roles import home_url_name


def home(request):
    """Public landing page for visitors; each signed-in role goes to its own place, and a
    responder with an open call-out (the login's default destination) to that call-out."""
    if request.user.is_authenticated:
        return redirect(call_out_landing_path(request.user) or home_url_name(request.user))
    return render(request, "home.html")
