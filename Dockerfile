# augur: canary analysis as a service.
#
#   docker build -t augur:0.1.0 .
#   docker run --rm -p 8080:8080 -e AUGUR_TOKENS='write:<at least 16 characters>' augur:0.1.0
#
# With no API token configured (AUGUR_TOKENS or AUGUR_TOKENS_FILE) augur treats itself as a local
# tool: the API is open, so `augur serve` binds to 127.0.0.1 only, whatever AUGUR_HOST says, and the
# published port answers nothing. Give it a token (a mounted Secret and AUGUR_TOKENS_FILE in
# Kubernetes) to serve on 0.0.0.0.
#
# One process, one uvicorn worker: the scheduler lives in the process. Scale with replicas on a
# PostgreSQL store (AUGUR_STORE_URL=postgresql+asyncpg://...); the default store is a SQLite file on
# the /var/lib/augur volume, for one replica. The root filesystem can be read-only: augur writes
# only to /var/lib/augur (SQLite) and /tmp.
#
# The build steps are the ones `make run` uses, `pip install .`, into a virtualenv that the runtime
# stage copies; dependencies get their own layer, rebuilt only when pyproject.toml changes.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/augur
ENV PATH=/opt/augur/bin:$PATH
WORKDIR /src
# Layer 1, the dependencies: install the project's metadata with empty packages, then drop the
# placeholder, keeping every dependency it pulled in.
COPY pyproject.toml README.md ./
RUN mkdir app providers \
 && touch app/__init__.py providers/__init__.py \
 && pip install . \
 && pip uninstall --yes augur \
 && rm -rf app providers build ./*.egg-info
# Layer 2, augur itself: the same `pip install .`; the dependencies are already satisfied. pip
# compiles every module as it installs, so nothing needs writing at import on a read-only root.
COPY app ./app
COPY providers ./providers
RUN pip install . \
 && augur --version

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="augur" \
      org.opencontainers.image.description="Canary analysis as a service: Argo Rollouts AnalysisTemplates against SkyWalking, Prometheus and web providers" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 augur \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/augur --no-create-home \
      --shell /usr/sbin/nologin augur \
 && mkdir -p /var/lib/augur \
 && chown 10001:10001 /var/lib/augur \
 && chmod 0750 /var/lib/augur
COPY --from=builder /opt/augur /opt/augur
ENV PATH=/opt/augur/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    AUGUR_HOST=0.0.0.0 \
    AUGUR_PORT=8080 \
    AUGUR_STORE_URL=sqlite+aiosqlite:////var/lib/augur/augur.db
WORKDIR /var/lib/augur
VOLUME ["/var/lib/augur"]
USER 10001:10001
EXPOSE 8080
# No curl in the image: the interpreter asks /healthz on loopback, which answers whether augur
# binds to 0.0.0.0 (tokens configured) or to 127.0.0.1 only (no tokens).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:%s/healthz' % os.environ.get('AUGUR_PORT', '8080'); sys.exit(0 if urllib.request.urlopen(url, timeout=4).status == 200 else 1)"]
# `docker run IMAGE` serves; `docker run IMAGE validate -f - < template.yaml` runs another command.
ENTRYPOINT ["augur"]
CMD ["serve"]
