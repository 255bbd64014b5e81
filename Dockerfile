# The Oxygen web application, Celery worker and Celery beat (one image, three commands):
# see docker-compose.yml and docs/production.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext: compilemessages at build time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system oxygen \
    && useradd --system --gid oxygen --home-dir /app --no-create-home --shell /usr/sbin/nologin oxygen

WORKDIR /app

# Dependencies first (cached while they do not change): the locked versions, no dev extras.
COPY pyproject.toml requirements.lock ./
RUN pip install -c requirements.lock .

COPY . .

# Translations and static files are built into the image. The settings refuse a weak key with
# DEBUG off (which selects whitenoise's compressed manifest storage): this key exists only for
# the build and is never used at run time, where SECRET_KEY comes from the environment.
RUN DEBUG=False \
    SECRET_KEY="build-only-9f3Kx2Qm7Zp4Lw8Rt1Vb6Nc0Hs5Jd3Gy-not-a-runtime-secret-Ae7Uo" \
    ALLOWED_HOSTS=build.invalid \
    CACHE_URL=redis://build.invalid:6379/1 \
    KEYSTORE_ENCRYPTION_KEY="YnVpbGQtb25seS1rZXktbmV2ZXItdXNlZC1hdC1ydW4=" \
    sh -c 'python manage.py compilemessages -v0 && python manage.py collectstatic --noinput -v0' \
    && chmod +x docker/entrypoint.sh \
    && mkdir -p /app/var/beat /app/config/ca \
    && chown -R oxygen:oxygen /app/var

USER oxygen

EXPOSE 8000
ENV GUNICORN_WORKERS=2 \
    HEALTHCHECK_PATH=/healthz

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "docker/healthcheck.py"]

ENTRYPOINT ["docker/entrypoint.sh"]
CMD ["web"]
