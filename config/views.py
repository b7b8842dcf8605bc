from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control

from dispatch.selectors import call_out_landing_path
from volunteers.roles import home_url_name


def home(request):
    """Public landing page for visitors; each signed-in role goes to its own place, and a
    responder with an open call-out (the login's default destination) to that call-out."""
    if request.user.is_authenticated:
        return redirect(call_out_landing_path(request.user) or home_url_name(request.user))
    return render(request, "home.html")


@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says: send them to the
    static file (its hashed, long-cached name in production)."""
    return redirect(static("favicon.ico"))
