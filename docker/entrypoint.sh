#!/bin/sh
# The image's entry point: `web`, `migrate`, or any other command (celery ...), run as given.
set -eu

case "${1:-web}" in
  web)
    # gunicorn behind whitenoise; workers from GUNICORN_WORKERS (see docker/gunicorn.conf.py).
    exec gunicorn oxygen.wsgi --config docker/gunicorn.conf.py
    ;;
  migrate)
    # The one-shot `migrate` service: web, worker and beat start once it has succeeded, so
    # migrations run once per start of the stack, never concurrently from several containers.
    exec python manage.py migrate --noinput
    ;;
  *)
    exec "$@"
    ;;
esac
