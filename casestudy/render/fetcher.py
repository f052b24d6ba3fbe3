"""The only URL fetcher WeasyPrint gets: inline ``data:`` URLs, nothing else (no files, no
network, no redirects). Its own module so a process that lays out PDF parts imports WeasyPrint
without the report's templates, and the report's HTML is made without importing WeasyPrint."""

from __future__ import annotations

from weasyprint.urls import URLFetcher


class LockedFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that fetches nothing but inline ``data:`` URLs: no files, no
    network, no redirects. Every refused URL is recorded so tests can see what was tried."""

    def __init__(self):
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None):
        if not url.startswith("data:"):
            self.refused.append(url)
            raise ValueError(f"blocked resource: {url[:80]}")
        return super().fetch(url, headers)
