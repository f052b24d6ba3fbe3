# casestudy, hosted: the Streamlit app (or, with another command, the sync worker).
# The same Debian packages (packages.txt = the Makefile's APT_RUNTIME) and pinned requirements as
# `make`; the numba cache is compiled at build time into the image's private cache folder.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CASESTUDY_HOSTED=1 CASESTUDY_CACHE=/var/cache/casestudy \
    NUMBA_CACHE_DIR=/var/cache/casestudy/numba

COPY packages.txt /tmp/packages.txt
RUN apt-get update \
    && xargs -a /tmp/packages.txt apt-get install -y --no-install-recommends \
    && rm -rf /var/lib/apt/lists/* /tmp/packages.txt

RUN useradd --create-home --uid 10001 casestudy \
    && install -d -m 0700 -o casestudy /var/cache/casestudy
WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY pyproject.toml README.md ./
COPY casestudy casestudy
RUN pip install --no-deps . && rm -rf casestudy build casestudy.egg-info
COPY app.py ./
COPY app_pages app_pages
COPY .streamlit .streamlit

USER casestudy
RUN casestudy warm

EXPOSE 8501
HEALTHCHECK --interval=60s --timeout=30s CMD casestudy health > /dev/null || exit 1
CMD ["python", "-m", "casestudy.app.serve", "--server.port=8501", "--server.address=0.0.0.0", \
     "--server.headless=true", "--server.maxUploadSize=50"]
