"""Settings for the rapid-response hotline, read from the environment.

With nothing set, the project runs for development: SQLite in the project folder and Celery
tasks executed eagerly. Production sets DEBUG=0, SECRET_KEY, DATABASE_URL and REDIS_URL.
README.md documents every variable.
"""

from pathlib import Path

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config.env import (
    database_from_url,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_required,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_required(
    "SECRET_KEY", when=not DEBUG, dev_default="dev-only-insecure-key-never-use-in-production"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The public URL Twilio calls. Webhook signatures are checked against this base plus the
# path, never against a URL rebuilt from request headers an attacker controls.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "config.apps.HotlineAdminConfig",  # django.contrib.admin with the throttled site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "phonenumber_field",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "volunteers",
    "hotline",
    "outreach",
    "dispatch",
    "assessment",
    "retention",
    "audit",
]

MIDDLEWARE = [
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Twilio's webhooks skip everything below (sessions, CSRF, sign-in, messages, locale).
    "hotline.middleware.TwilioWebhookMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "volunteers.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "volunteers.context_processors.roles",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(env_str("DATABASE_URL"), base_dir=BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hotline",
            # A down Redis must fail fast, not hang a request.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CACHES["scheduler"] = CACHES["default"]
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # Without Redis the web process and the embedded scheduler (config.devserver) are two
        # processes: the scheduler's heartbeat goes through files both can read.
        "scheduler": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env_str("EMBEDDED_CACHE_DIR", str(BASE_DIR / ".run" / "cache")),
        },
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Internationalisation: the hotline serves English, Korean and Spanish speakers.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date and time format per language (config/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env_str("TIME_ZONE", "America/Los_Angeles")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
PHONENUMBER_DEFAULT_REGION = "US"
PHONENUMBER_DB_FORMAT = "E164"

# Email: console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "hotline@localhost")

# Twilio and the phone line.
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
HOTLINE_NUMBER = env_str("HOTLINE_NUMBER")
FALLBACK_NUMBER = env_str("FALLBACK_NUMBER")
SMS_BACKEND = env_str("SMS_BACKEND", "console" if DEBUG else "twilio")

# Celery: a real broker when REDIS_URL is set, otherwise tasks run eagerly in-process.
# "localhost" named so kombu does not warn about a missing host for the in-process broker.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost//"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Results would hold personal data; tasks that need one opt in.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# A message is acknowledged after the task ran; a worker that dies mid-task gives it back.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
# A down Redis must never hang a web request: short timeouts, no publish retries (the
# outbox sweep re-sends what could not be enqueued).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    "visibility_timeout": 3600,
    "max_retries": 1,
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TIMEZONE = TIME_ZONE
# A worker (or, without Redis, the embedded scheduler) proves it is alive this often; /healthz/
# reports how long ago as worker_seen_seconds_ago.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "config.tasks.worker_heartbeat", "schedule": 15.0},
}

# Behind a TLS-terminating proxy (see docs/operators.md, production deployment).
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = False

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Caller phone numbers are masked in everything logged (config.logging).
    "filters": {"redact_phone_numbers": {"()": "config.logging.RedactPhoneNumbers"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_phone_numbers"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

DEMO_PASSWORD = env_str("DEMO_PASSWORD")

# --- outreach ---
# Partner directory entries not verified for this many days are flagged as stale.
OUTREACH_PARTNER_STALE_DAYS = env_int("OUTREACH_PARTNER_STALE_DAYS", 180)
# Public surveys: at most this many submissions per client address and survey per window
# (a tablet at a tabling event shares one address, so keep it generous).
OUTREACH_SURVEY_RATE_LIMIT = env_int("OUTREACH_SURVEY_RATE_LIMIT", 30)
OUTREACH_SURVEY_RATE_WINDOW_SECONDS = 600
# A form submitted faster than this after it was served is a bot; a token older than the
# maximum age must be reloaded.
OUTREACH_SURVEY_MIN_SECONDS = 3
OUTREACH_SURVEY_TOKEN_MAX_AGE_SECONDS = 24 * 3600

# --- hotline ---
# Twilio webhook signatures are checked unless this is explicitly turned off (local tunnels
# only; never in production). Nothing else turns the check off.
HOTLINE_VERIFY_SIGNATURES = env_bool("HOTLINE_VERIFY_SIGNATURES", True)
# Seconds the on-shift dispatchers' phones ring (per round) before the call moves on.
HOTLINE_DIAL_TIMEOUT = env_int("HOTLINE_DIAL_TIMEOUT", 20)
# Every Twilio webhook answers within this many seconds, even when the database hangs: its
# database work is cut at 80 % of it and the caller gets the fallback TwiML (hotline.budget).
HOTLINE_WEBHOOK_BUDGET_SECONDS = env_float("HOTLINE_WEBHOOK_BUDGET_SECONDS", 5.0)
# After the database hung, webhooks skip it (fallback TwiML at once) for this many seconds,
# one webhook per period trying it again.
HOTLINE_DATABASE_RETRY_SECONDS = env_float("HOTLINE_DATABASE_RETRY_SECONDS", 5.0)
# Voicemails, recording callbacks and texts that arrive while the database cannot store them
# are appended here (on the web host's disk, private) and replayed when it is back.
HOTLINE_SPOOL_DIR = env_str("HOTLINE_SPOOL_DIR", str(BASE_DIR / "var" / "spool"))
CELERY_BEAT_SCHEDULE["hotline-spool-replay"] = {"task": "hotline.tasks.spool_replay", "schedule": 60.0}
# Calls and voicemails of the last this many hours are compared with Twilio's records; what the
# database missed is created (with an intake needing a call back).
HOTLINE_RECONCILE_HOURS = env_int("HOTLINE_RECONCILE_HOURS", 6)
CELERY_BEAT_SCHEDULE["hotline-calls-reconcile"] = {"task": "hotline.tasks.calls_reconcile", "schedule": 900.0}
# Where the static TwiML of `manage.py fallback_twiml` is published (not on this server): the
# number's voice (and SMS) fallback URL, which `manage.py twilio_configure` sets.
HOTLINE_VOICE_FALLBACK_URL = env_str("HOTLINE_VOICE_FALLBACK_URL")
HOTLINE_SMS_FALLBACK_URL = env_str("HOTLINE_SMS_FALLBACK_URL")
# `check --deploy` asks Twilio whether HOTLINE_NUMBER points at this deployment (when the
# credentials are set); off where the check runs without network (CI).
HOTLINE_CHECK_TWILIO_NUMBER = env_bool("HOTLINE_CHECK_TWILIO_NUMBER", True)
# Answering in the browser (hotline.softphone): an API key and a TwiML App of the account. The
# softphone is off (no token, no browser ringing, the strict CSP) unless all three are set.
TWILIO_API_KEY_SID = env_str("TWILIO_API_KEY_SID")
TWILIO_API_KEY_SECRET = env_str("TWILIO_API_KEY_SECRET")
TWILIO_TWIML_APP_SID = env_str("TWILIO_TWIML_APP_SID")
# Lifetime of a browser's access token; the console fetches a new one before it expires.
SOFTPHONE_TOKEN_TTL_SECONDS = env_int("SOFTPHONE_TOKEN_TTL_SECONDS", 600)
# Where the Voice SDK connects (signalling websocket), added to the CSP only when the softphone is on.
SOFTPHONE_CSP_CONNECT = env_list("SOFTPHONE_CSP_CONNECT", ["wss://voice-js.roaming.twilio.com"])
# Longest voicemail a caller may leave, in seconds.
HOTLINE_VOICEMAIL_MAX_SECONDS = 180
# Largest hand-off API body (a hand-off is a few short fields and 4,000 characters of notes);
# larger ones get a JSON 413. Below DATA_UPLOAD_MAX_MEMORY_SIZE, so Django never refuses first.
HANDOFF_API_MAX_BODY_BYTES = 64 * 1024
# Partners' status webhooks (hotline.services.partner_webhooks). Each partner's signing secret
# is derived from this key and a per-partner nonce (the database alone cannot sign); changing
# it changes every partner's secret (rotate them all). Empty: derived from SECRET_KEY.
HANDOFF_WEBHOOK_SECRET_KEY = env_str("HANDOFF_WEBHOOK_SECRET_KEY")
# Attempts per event, backoff (base * 2**n, capped) on 5xx, 429, timeouts and refused
# connections; the endpoint is flagged on the console after this many failed tries in a row.
HANDOFF_WEBHOOK_MAX_ATTEMPTS = env_int("HANDOFF_WEBHOOK_MAX_ATTEMPTS", 10)
HANDOFF_WEBHOOK_RETRY_BASE_SECONDS = 30
HANDOFF_WEBHOOK_RETRY_CAP_SECONDS = 3600
HANDOFF_WEBHOOK_TIMEOUT_SECONDS = 10
HANDOFF_WEBHOOK_ALARM_AFTER = env_int("HANDOFF_WEBHOOK_ALARM_AFTER", 5)
# An event still "sending" this long after its claim belongs to a sender that stopped: the
# outbox sweep sends it again with the same event id (receivers dedupe on it).
HANDOFF_WEBHOOK_STUCK_AFTER_SECONDS = 120
# Missed calls whose dispatcher text could not be queued are re-sent by a sweep.
CELERY_BEAT_SCHEDULE["hotline-missed-call-sweep"] = {
    "task": "hotline.tasks.missed_call_sweep",
    "schedule": 120.0,
}
# Outbound texts left "sending" without a provider sid this long (a sender killed mid-batch) are
# looked up at the provider and settled: sent, or failed with the reason.
SMS_UNSETTLED_AFTER_SECONDS = env_int("SMS_UNSETTLED_AFTER_SECONDS", 600)
CELERY_BEAT_SCHEDULE["hotline-settle-unsent-texts"] = {
    "task": "hotline.tasks.settle_unsent_texts",
    "schedule": 300.0,
}

# --- volunteers ---
# The SMS sender (dotted path, resolved at call time so volunteers never imports hotline).
VOLUNTEERS_SMS_SENDER = env_str("VOLUNTEERS_SMS_SENDER", "hotline.messaging.send_sms")
# Volunteers may cancel a shift up to this many hours before it starts.
VOLUNTEERS_CANCEL_CUTOFF_HOURS = env_int("VOLUNTEERS_CANCEL_CUTOFF_HOURS", 12)
# Public sign-up: at most this many posts (valid or not) per client address per hour.
VOLUNTEERS_SIGNUP_RATE_PER_HOUR = env_int("VOLUNTEERS_SIGNUP_RATE_PER_HOUR", 10)
CELERY_BEAT_SCHEDULE["volunteers-shift-reminders"] = {
    "task": "volunteers.tasks.send_shift_reminders",
    "schedule": 300.0,
}
CELERY_BEAT_SCHEDULE["volunteers-training-expiry-reminders"] = {
    "task": "volunteers.tasks.send_training_expiry_reminders",
    "schedule": 6 * 3600.0,
}

# --- dispatch ---
# Earlier contacts from the same number shown on an intake (repeat callers).
DISPATCH_CALLER_HISTORY_DAYS = env_int("DISPATCH_CALLER_HISTORY_DAYS", 90)
# Responders per incident unless the dispatcher says otherwise.
DISPATCH_TEAM_SIZE = env_int("DISPATCH_TEAM_SIZE", 2)
# Without a full team this long after the call-out, widen it (all on shift, then on-call).
DISPATCH_ESCALATION_SECONDS = env_int("DISPATCH_ESCALATION_SECONDS", 180)
# How long a responder's signed link works.
DISPATCH_RESPONDER_LINK_MAX_AGE = env_int("DISPATCH_RESPONDER_LINK_MAX_AGE", 24 * 3600)
# A partner's link to confirm a referral works this long (seconds); a referral still unconfirmed
# after DISPATCH_REFERRAL_REMINDER_DAYS gets one reminder to the partner's contact (hourly sweep).
DISPATCH_REFERRAL_LINK_MAX_AGE = 30 * 24 * 3600
DISPATCH_REFERRAL_REMINDER_DAYS = 3
CELERY_BEAT_SCHEDULE["dispatch-referral-reminders"] = {
    "task": "dispatch.referral_reminders_send",
    "schedule": 3600.0,
}
# Outbox: attempts per text, retry backoff (base * 2**n, capped), and when the sweep takes
# over a row nobody sent (the broker was down at commit) or one stuck mid-send.
DISPATCH_NOTIFY_MAX_ATTEMPTS = env_int("DISPATCH_NOTIFY_MAX_ATTEMPTS", 5)
# Rows per task: a task reads, checks and stores its rows once, then one round trip per text;
# a call-out to many responders is spread over the worker's threads (bench/notify.py: 10).
DISPATCH_NOTIFY_BATCH_SIZE = 10
DISPATCH_NOTIFY_RETRY_BASE_SECONDS = 5
DISPATCH_NOTIFY_RETRY_CAP_SECONDS = 120
DISPATCH_OUTBOX_SWEEP_AFTER_SECONDS = 30
# A row still SENDING this long after its claim was left by a worker that stopped mid-send:
# the sweep asks the provider and marks it sent, or sends it again, or fails it. A live send
# lasts at most about 20 s (hotline.messaging.TWILIO_TIMEOUT_SECONDS to connect, as long to
# read, no SDK retries), so 90 s leaves a wide margin before a late worker could still reach
# Twilio, and recovery (with the 15 s sweep) comes before the 180 s escalation.
DISPATCH_OUTBOX_STUCK_AFTER_SECONDS = 90
# Console: a responder's status unchanged this long is highlighted on the status board.
DISPATCH_STALE_STATUS_MINUTES = env_int("DISPATCH_STALE_STATUS_MINUTES", 30)
# Console: how long an intake may wait before its row says "late" and then "urgent". Rings
# follow NENA's call-answering standard (90 % answered within 15 s, 95 % within 20 s); texts
# and callbacks have their own targets.
DISPATCH_RING_LATE_SECONDS = env_int("DISPATCH_RING_LATE_SECONDS", 15)
DISPATCH_RING_URGENT_SECONDS = env_int("DISPATCH_RING_URGENT_SECONDS", 20)
DISPATCH_TEXT_LATE_SECONDS = env_int("DISPATCH_TEXT_LATE_SECONDS", 120)
DISPATCH_TEXT_URGENT_SECONDS = env_int("DISPATCH_TEXT_URGENT_SECONDS", 300)
DISPATCH_CALLBACK_LATE_SECONDS = env_int("DISPATCH_CALLBACK_LATE_SECONDS", 300)
DISPATCH_CALLBACK_URGENT_SECONDS = env_int("DISPATCH_CALLBACK_URGENT_SECONDS", 900)
# Past intakes and incidents: rows per page of the search.
DISPATCH_HISTORY_PAGE_SIZE = 50
CELERY_BEAT_SCHEDULE["dispatch-outbox-sweep"] = {"task": "dispatch.outbox_sweep", "schedule": 15.0}
CELERY_BEAT_SCHEDULE["dispatch-escalations"] = {"task": "dispatch.escalation_sweep", "schedule": 15.0}
# Alarms (dispatch.services.alarms): a team on scene checks in ("We're OK") every
# CallType.checkin_minutes (this default when the incident has no call type); a missed check-in
# raises an alarm on every console, and texts the on-call coordinator this long after if nobody
# has checked in by then. DISPATCH_ONCALL_VOICE_ALERT also phones the on-call coordinator
# (a Twilio call saying the incident code and call type) for every alarm they are texted about.
DISPATCH_CHECKIN_MINUTES = env_int("DISPATCH_CHECKIN_MINUTES", 20)
DISPATCH_CHECKIN_GRACE_SECONDS = env_int("DISPATCH_CHECKIN_GRACE_SECONDS", 300)
DISPATCH_ONCALL_VOICE_ALERT = env_bool("DISPATCH_ONCALL_VOICE_ALERT", False)
CELERY_BEAT_SCHEDULE["dispatch-alarms"] = {"task": "dispatch.alarm_sweep", "schedule": 15.0}

# --- assessment (911 calls-for-service import) ---
# Uploaded exports wait here for their import task; the worker must see the same folder.
CFS_UPLOAD_DIR = Path(env_str("CFS_UPLOAD_DIR", str(MEDIA_ROOT / "cfs_uploads")))
# The largest upload (a 911 export, 2 GiB), and so the largest request: deploy/nginx.conf's
# client_max_body_size says the same (2048m); config/tests/test_deploy.py checks they agree.
CFS_UPLOAD_MAX_BYTES = 2 * 1024**3
# An import fails when more than this share of its rows cannot be read (wrong column or format).
CFS_MAX_BAD_ROW_SHARE = 0.5
# Map tiles behind the 911 analysis map, e.g. "https://tile.example.org/{z}/{x}/{y}.png" (an
# https URL with {z}, {x} and {y}). Empty (the default): no tiles, no request leaves the
# browser, the map is a grid heatmap. Its origin is allowed by the CSP for images only.
CFS_MAP_TILE_URL = env_str("CFS_MAP_TILE_URL", "")
# Bounds on reading an upload (assessment/cfs/limits.py, docs/assessment.md): columns of a file,
# how much a .gz may expand in all and (beyond its first 16 MiB) per compressed byte.
CFS_MAX_COLUMNS = 500
CFS_MAX_DECOMPRESSED_BYTES = 20 * 1024**3
CFS_MAX_COMPRESSION_RATIO = 200
# A running import beats on its job row this often; a job whose beat is older than the stale
# age has lost its worker and is failed (nothing of it was stored) by a sweep every minute.
CFS_IMPORT_HEARTBEAT_SECONDS = 15
CFS_IMPORT_STALE_SECONDS = 180
CELERY_BEAT_SCHEDULE["assessment-cfs-dead-imports"] = {
    "task": "assessment.tasks.cfs_import_jobs_fail_dead",
    "schedule": 60.0,
}
# Map grids and pilot-area boundaries are counted in the background with the same heartbeat.
CELERY_BEAT_SCHEDULE["assessment-cfs-dead-map-counts"] = {
    "task": "assessment.tasks.cfs_map_counts_fail_dead",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["assessment-cfs-uploads-clean"] = {
    "task": "assessment.tasks.cfs_import_uploads_clean",
    "schedule": 24 * 3600.0,
}

# --- quality gates (issue 10): sign-in hardening, retention ---
# Failed logins per username and address before a cool-off lock-out of this many seconds.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
# Responses under these paths show caller data: never stored by browsers or proxies.
NO_STORE_PATH_PREFIXES = ["/hotline/", "/dispatch/", "/api/"]
# Dispatchers and coordinators sign in with a TOTP code after the password (volunteers.two_factor).
# Off only for tests and, if you must, local development (TWO_FACTOR_REQUIRED=0).
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", True)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Rapid-response hotline")
# No TOTP secret or QR code in the admin (volunteers.admin also leaves them out).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Caller numbers, message bodies, recordings and notes are removed after this many days
# (retention app; nightly, and `manage.py redact_contacts --older-than DAYS`).
RETENTION_DAYS = env_int("RETENTION_DAYS", 365)
CELERY_BEAT_SCHEDULE["retention-redact-contacts"] = {
    "task": "retention.redact_contacts",
    "schedule": crontab(hour=3, minute=17),
}

# --- assessment (pilot dashboard) ---
# The dashboard's independent aggregate queries run at once on this many database connections
# (PostgreSQL only; 1 runs them one after the other).
PILOT_DASHBOARD_QUERY_THREADS = env_int("PILOT_DASHBOARD_QUERY_THREADS", 3)
# Police time per contact (minutes) for hotline call types mapped to no 911 data (0: none).
PILOT_POLICE_MINUTES_DEFAULT = env_int("PILOT_POLICE_MINUTES_DEFAULT", 0)

# --- running the programme (issue 22): agreements, curriculum, onboarding, wellbeing ---
# Signed agreements and training materials: never under MEDIA_URL or STATIC_URL; only views that
# check the reader's role serve them (config.storage.PrivateStorage has no URL).
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private")))
PRIVATE_UPLOAD_MAX_BYTES = env_int("PRIVATE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# Coordinators get one email per agreement this many days before its renewal date.
OUTREACH_RENEWAL_REMINDER_DAYS = env_int("OUTREACH_RENEWAL_REMINDER_DAYS", 30)
CELERY_BEAT_SCHEDULE["outreach-agreement-renewal-reminders"] = {
    "task": "outreach.tasks.send_agreement_renewal_reminders",
    "schedule": crontab(hour=8, minute=5),
}
# Coordinators are emailed about each new wellbeing check-in (critical incident, asked to talk)
# and again once it is overdue (dispatch.debriefs.check_ins_prompt; also run right after a flag).
CELERY_BEAT_SCHEDULE["dispatch-check-in-prompts"] = {"task": "dispatch.check_ins_prompt", "schedule": 300.0}
# Hours per volunteer per week above which the wellbeing page warns (shifts booked or attended).
WELLBEING_WEEKLY_HOURS_CAP = env_int("WELLBEING_WEEKLY_HOURS_CAP", 20)

# Warm transfers from the intake page (hotline.services.call_control): the numbers dialled for
# "911" and "988" (a 911 centre's ten-digit transfer line where it has one), and how long a
# third party's phone rings before the transfer counts as not answered.
HOTLINE_TRANSFER_911_NUMBER = env_str("HOTLINE_TRANSFER_911_NUMBER", "911")
HOTLINE_TRANSFER_988_NUMBER = env_str("HOTLINE_TRANSFER_988_NUMBER", "988")
HOTLINE_TRANSFER_RING_SECONDS = env_int("HOTLINE_TRANSFER_RING_SECONDS", 30)
