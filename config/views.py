from django.shortcuts import redirect, render

from volunteers.roles import home_url_name


def home(request):
    """Public landing page for visitors; each signed-in role goes to its own place."""
    if request.user.is_authenticated:
        return redirect(home_url_name(request.user))
    return render(request, "home.html")
