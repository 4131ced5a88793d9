# Desist's production image (docs/operations.md). Two stages: the build stage installs the
# runtime lock (requirements.lock, no test tools) and the npm front-end packages and collects
# the static files; the runtime stage carries only the virtualenv, the code and the collected
# assets, and runs as an unprivileged user. Without a container engine, `make image-env`
# builds the same Python environment from the same lock and imports the app.
FROM python:3.11-slim-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
RUN python -m venv /venv
COPY requirements.lock ./
RUN /venv/bin/pip install --no-cache-dir -r requirements.lock
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY pyproject.toml manage.py ./
COPY config ./config
COPY desist ./desist
COPY scripts ./scripts
# Editable, so settings' BASE_DIR is /app (static files, gunicorn config) in both stages.
RUN /venv/bin/pip install --no-cache-dir --no-deps -e . \
    && DESIST_ENV=production DESIST_SECRET_KEY=collectstatic-only DESIST_ALLOWED_HOSTS=build \
       /venv/bin/desist collectstatic --noinput -v 0

FROM python:3.11-slim-bookworm AS runtime
# Pango and HarfBuzz for PDF reports; postgresql-client for `desist backup` and `restore`.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app desist
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build /app/pyproject.toml /app/manage.py ./
COPY --from=build /app/config ./config
COPY --from=build /app/desist ./desist
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/staticfiles ./staticfiles
ENV PATH=/venv/bin:$PATH DESIST_ENV=production PYTHONUNBUFFERED=1
USER desist
EXPOSE 8000
CMD ["desist", "serve"]
