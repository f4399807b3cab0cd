# Build a wheel in one stage, run it from a slim image with no build tools in the other.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 bot
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
WORKDIR /app
COPY content ./content
ENV BOT_CONTENT_DIR=/app/content \
    BOT_DB_PATH=/data/bot.sqlite3 \
    PYTHONUNBUFFERED=1
# The data folder is the bot user's alone (the bot creates its files 0600 inside).
RUN install -d -m 0700 -o bot -g bot /data
VOLUME ["/data"]
USER bot
CMD ["python", "-m", "bot"]
