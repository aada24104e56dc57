# Together's image: one image for web (gunicorn), Celery worker and Celery beat.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Pango and a font for the discharge letter's PDF (WeasyPrint).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 together \
    && mkdir -p /data/files && chown together /data/files  # handouts (FILES_URL), a volume

COPY requirements.lock .
RUN pip install --no-cache-dir --no-deps -r requirements.lock

COPY . .
# collectstatic needs settings but no database or real secret.
RUN DEBUG=0 SECRET_KEY=collectstatic-only \
    FIELD_ENCRYPTION_KEYS=Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLXJlYWxrZXk= \
    python manage.py collectstatic --no-input

USER together
EXPOSE 8000
ENV BIND=0.0.0.0:8000
CMD ["gunicorn", "config.wsgi", "-c", "config/gunicorn.py"]
