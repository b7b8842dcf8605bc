# One image for the web, worker and beat processes (see Procfile and deploy/).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DEBUG=0
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 hotline
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY --chown=hotline:hotline . .
# collectstatic needs some SECRET_KEY to import settings; the real one comes at run time.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=build python manage.py collectstatic --noinput
USER hotline
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python manage.py healthcheck || exit 1
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30"]
