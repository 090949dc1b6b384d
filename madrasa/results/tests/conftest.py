from __future__ import annotations

from collections.abc import Iterator

import pytest

from madrasa.results.selectors import forget_publications


@pytest.fixture(autouse=True)
def _fresh_publication_memo() -> Iterator[None]:
    """The per-process memo of current publications never leaks from one test to the next."""
    forget_publications()
    yield
    forget_publications()


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
