# syntax=docker/dockerfile:1
# meetbot in a container: `docker build -t meetbot .` from a checkout, then
#   docker run -d --env-file .env -p 3000:3000 -v meetbot-state:/var/lib/meetbot meetbot
# One container per database (see README, Deployment).

# Build stage: the project and its pinned dependencies into a virtual environment.
FROM python:3.11-slim AS build
WORKDIR /src
COPY requirements.txt pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY state ./state
RUN python -m venv /opt/meetbot \
    && /opt/meetbot/bin/pip install --no-cache-dir --disable-pip-version-check -r requirements.txt

# Run stage: the environment only, no build tools or sources.
FROM python:3.11-slim
RUN useradd --system --user-group --home-dir /var/lib/meetbot meetbot \
    && mkdir -p /var/lib/meetbot \
    && chown meetbot:meetbot /var/lib/meetbot
COPY --from=build /opt/meetbot /opt/meetbot
ENV PATH=/opt/meetbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PORT=3000 \
    DATABASE_URL=sqlite:////var/lib/meetbot/meetbot.db
# The SQLite state and its lock file live here: keep it on a volume.
VOLUME /var/lib/meetbot
WORKDIR /var/lib/meetbot
USER meetbot
EXPOSE 3000
# 200 while the service serves and its scheduler runs, 503 (a failure here) otherwise.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
# The Procfile's web command; docker stop sends SIGTERM, which stops it cleanly.
CMD ["python", "-m", "bot", "run"]
