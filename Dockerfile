# One image for the API and the worker: `flowline api` (the default) or `flowline worker`.
# Built and run by docker-compose.yml; see README, "Production".

FROM python:3.12.12-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
# The project as a package, in a virtual environment the final stage copies whole.
RUN python -m venv /opt/flowline && /opt/flowline/bin/pip install .

FROM python:3.12.12-slim-bookworm
ENV PATH=/opt/flowline/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    FLOWLINE_API_HOST=0.0.0.0 \
    FLOWLINE_DATA_DIR=/var/lib/flowline
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/flowline flowline
COPY --from=build /opt/flowline /opt/flowline
USER flowline
WORKDIR /var/lib/flowline
EXPOSE 8000
ENTRYPOINT ["flowline"]
CMD ["api"]
