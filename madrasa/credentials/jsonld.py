"""JSON-LD processing with the context cache shipped in `contexts/`: never the network.

Every remote context a credential names must be one of `CONTEXT_FILES` (copied from the
1EdTech validator's offline copies, see contexts/README.md); any other URL is refused with
`UnknownContext`, so verification is the same offline and online, and a document cannot make
the server fetch an address of its choosing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pyld import jsonld

__all__ = [
    "CONTEXT_FILES",
    "JsonLdFailure",
    "UndefinedTerm",
    "UnknownContext",
    "canonize",
    "check_terms",
    "document_loader",
]

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

CONTEXT_FILES: dict[str, str] = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.json",
    "https://www.w3.org/2018/credentials/v1": "2018-credentials-v1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob-v3p0.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-v3p0-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-v3p0-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-extensions.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context.json": "clr-v2p0.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": "clr-v2p0-2.0.1.json",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.json",
    "https://w3id.org/security/suites/ed25519-2020/v1": "security-suites-ed25519-2020-v1.json",
    "https://w3id.org/security/v1": "security-v1.json",
    "https://w3id.org/security/v2": "security-v2.json",
    "https://www.w3.org/ns/did/v1": "did-v1.json",
}

Loader = Callable[[str, Any], dict[str, Any]]


class JsonLdFailure(Exception):
    """The document is not JSON-LD that can be processed (bad @context, invalid syntax)."""


class UnknownContext(JsonLdFailure):
    """A context URL that is not in the shipped cache."""

    def __init__(self, url: str) -> None:
        super().__init__(f"unknown JSON-LD context {url!r}")
        self.url = url


class UndefinedTerm(JsonLdFailure):
    """A property that no context defines: it would be left out of the signed data."""

    def __init__(self, term: str) -> None:
        super().__init__(f"the term {term!r} is not defined by the document's contexts")
        self.term = term


@cache
def _cached(url: str) -> Any:
    return json.loads((CONTEXTS_DIR / CONTEXT_FILES[url]).read_text(encoding="utf-8"))


def document_loader(extra: Mapping[str, Any] | None = None) -> Loader:
    """A PyLD document loader serving the shipped contexts (and `extra` {url: document}, for
    tests that need a context the project does not ship)."""

    def load(url: str, options: Any = None) -> dict[str, Any]:
        if extra is not None and url in extra:
            document = extra[url]
        elif url in CONTEXT_FILES:
            document = _cached(url)
        else:
            raise UnknownContext(url)
        return {"contextUrl": None, "documentUrl": url, "document": document}

    return load


def _unwrap(exc: BaseException) -> BaseException:
    """PyLD wraps the loader's error in its own; find ours in the chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, JsonLdFailure):
            return seen
        details = getattr(seen, "details", None)
        if isinstance(details, dict):
            cause = details.get("cause")
            if isinstance(cause, BaseException):
                found = _unwrap(cause)
                if isinstance(found, JsonLdFailure):
                    return found
        seen = seen.__cause__ or seen.__context__
    return exc


def _run(function: Callable[[], Any]) -> Any:
    try:
        return function()
    except JsonLdFailure:
        raise
    except Exception as exc:  # PyLD raises JsonLdError and, on odd input, plain errors
        found = _unwrap(exc)
        if isinstance(found, JsonLdFailure):
            raise found from None
        raise JsonLdFailure(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc


def canonize(document: Mapping[str, Any], *, extra: Mapping[str, Any] | None = None) -> str:
    """The RDFC-1.0 (URDNA2015) canonical N-Quads of `document`."""
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader(extra),
    }
    result = _run(lambda: jsonld.normalize(dict(document), options))
    return str(result)


def check_terms(document: Mapping[str, Any], *, extra: Mapping[str, Any] | None = None) -> None:
    """Raise `UndefinedTerm` when a property of `document` is not defined by its contexts
    (JSON-LD "safe mode"): such a property is silently dropped by canonicalisation, so it
    would not be covered by the signature and could be added or changed freely."""
    dropped: list[str] = []

    def on_dropped(term: str | None) -> None:
        dropped.append(term or "?")

    options = {"documentLoader": document_loader(extra)}
    _run(lambda: jsonld.expand(dict(document), options, on_property_dropped=on_dropped))
    if dropped:
        raise UndefinedTerm(dropped[0])
