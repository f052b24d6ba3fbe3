"""Account keys: who a private repository belongs to, as a short hash with a prefix that names
its namespace — ``t-`` a GitHub token, ``p-`` a person (their identity provider's issuer and
subject), ``e-`` a verified e-mail address, ``g-`` a group the provider names. Keys of different
namespaces can never be equal, whatever text is hashed. The identities themselves (and tokens
above all) are never stored.

Before these namespaces every key was ``sha256("casestudy:" + text)[:16]`` with text a token,
``oidc:<e-mail or subject>`` or ``oidc-group:<name>``; ``legacy_*`` recompute those so a store
written then stays reachable: the same person, group or token adopts its old key on first use
(``Store.adopt_keys``)."""

from __future__ import annotations

import hashlib

TOKEN, PERSON, EMAIL, GROUP = "t-", "p-", "e-", "g-"
PREFIXES = (TOKEN, PERSON, EMAIL, GROUP)
_LEGACY_IDENTITY = ("oidc:", "oidc-group:")  # what a legacy token key must not start with


def _hash(kind: str, *parts: str) -> str:
    text = "\0".join((f"casestudy:{kind}", *parts))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def token_key(token: str | None) -> str:
    """The key of a GitHub token ('' for none)."""
    return TOKEN + _hash("token", token) if token else ""


def person_key(issuer: str, subject: str) -> str:
    """The key of a signed-in person: their provider's issuer and subject (OIDC's stable id)."""
    return PERSON + _hash("person", issuer, subject)


def email_key(email: str) -> str:
    """The key of an e-mail address; a session holds it only when the provider verified it."""
    return EMAIL + _hash("email", email.strip().lower())


def group_key(name: str) -> str:
    """The key of a group named by the identity provider (its ``groups`` claim)."""
    return GROUP + _hash("group", name)


class OwnerError(ValueError):
    """An owner written in a list file or on the command line that names no account."""


def parse_owner(spec: str) -> str:
    """The key an operator names as ``group:NAME``, ``email:ADDRESS``, ``person:ISSUER SUBJECT``
    or ``token`` (→ '' here: the caller uses its token's key). Raises ``OwnerError``."""
    kind, _, value = (spec or "").strip().partition(":")
    value = value.strip()
    if kind == "token" and not value:
        return ""
    if kind == "group" and value:
        return group_key(value)
    if kind == "email" and "@" in value:
        return email_key(value)
    if kind == "person" and len(value.split()) == 2:
        return person_key(*value.split())
    raise OwnerError(f"owner {spec!r}: use group:NAME, email:ADDRESS, person:ISSUER SUBJECT "
                     "or token")


def _legacy(text: str) -> str:
    return hashlib.sha256(("casestudy:" + text).encode()).hexdigest()[:16]


def legacy_token_keys(token: str | None) -> list[str]:
    """The pre-namespace key of a token — none for a "token" spelled like an identity, whose old
    hash was a person's or a group's."""
    if not token or token.startswith(_LEGACY_IDENTITY):
        return []
    return [_legacy(token)]


def legacy_person_keys(verified_email: str, subject: str, has_email: bool) -> list[str]:
    """The pre-namespace key of a signed-in person: it hashed the ``email`` claim (verified or
    not), else the subject. Adopted only from a verified e-mail, or from the subject when the
    provider gives no e-mail at all."""
    if verified_email:
        return [_legacy(f"oidc:{verified_email}")]
    return [] if has_email or not subject else [_legacy(f"oidc:{subject}")]


def legacy_group_keys(name: str) -> list[str]:
    return [_legacy(f"oidc-group:{name}")]
