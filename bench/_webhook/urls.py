"""The project's URLs plus /bench/baseline/: a bare Django view answering fixed TwiML."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as project_urlpatterns

FIXED_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="http://127.0.0.1/hotline/voice/language/'
    '?attempt=1" method="POST" numDigits="1" timeout="6"><Say language="en-US" voice="Polly.Joanna">If you are '
    'in immediate danger, hang up and dial 911.</Say><Say language="en-US" voice="Polly.Joanna">For English, '
    "press 1.</Say></Gather></Response>"
)


@csrf_exempt
def baseline(request):
    return HttpResponse(FIXED_TWIML, content_type="text/xml; charset=utf-8")


urlpatterns = [path("bench/baseline/", baseline), *project_urlpatterns]
