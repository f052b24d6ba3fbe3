"""Who this app session is, for private data: the signed-in person (Streamlit's native OIDC,
when the host configured an ``[auth]`` section) and the groups their identity provider says they
belong to, or — without sign-in — the token this session synced with. Only keys (prefixed hashes,
``store.keys``) of these identities are kept; a token never is.

A person is their provider's issuer and subject; their e-mail counts only when the provider says
it is verified (``email_verified``), so nobody becomes someone else by typing an address."""

from __future__ import annotations

import os

import streamlit as st

from ..sources.sync import Visitor
from ..store import Store, keys

GROUPS_CLAIM = "groups"  # the ID-token claim listing the person's groups (Okta, Keycloak, Entra)


def oidc_configured() -> bool:
    """Whether the host configured sign-in (an ``[auth]`` section in Streamlit secrets)."""
    try:
        return "auth" in st.secrets  # raises without a secrets.toml
    except Exception:  # noqa: BLE001 - Streamlit raises several kinds here
        return False


def signed_in() -> bool:
    return oidc_configured() and bool(getattr(st.user, "is_logged_in", False)) and \
        bool(st.user.get("sub"))


def _claim(name: str) -> str:
    return str(st.user.get(name) or "").strip()


def verified_email() -> str:
    """The signed-in person's e-mail when their provider verified it, else ''."""
    if not signed_in():
        return ""
    verified = st.user.get("email_verified")
    ok = verified is True or str(verified).strip().lower() == "true"
    return _claim("email") if ok else ""


def person() -> str:
    """The signed-in person as shown to them (verified e-mail, else name, else subject); ''
    if none."""
    if not signed_in():
        return ""
    return verified_email() or _claim("name") or _claim("sub")


def person_key() -> str:
    """The signed-in person's key: their provider's issuer and subject ('' when signed out)."""
    return keys.person_key(_claim("iss"), _claim("sub")) if signed_in() else ""


def groups() -> list[str]:
    """The signed-in person's groups, from the ID-token claim ``$CASESTUDY_OIDC_GROUPS_CLAIM``
    (default ``groups``): a list of names, or one name. Empty when signed out."""
    if not signed_in():
        return []
    value = st.user.get(os.environ.get("CASESTUDY_OIDC_GROUPS_CLAIM") or GROUPS_CLAIM)
    names = [value] if isinstance(value, str) else list(value or [])
    return sorted({str(n).strip() for n in names if str(n).strip()})


def viewer() -> tuple[str, ...]:
    """The account keys whose private repositories this session may see: the signed-in person,
    their verified e-mail and each of their groups; otherwise the key of the token this session
    synced with."""
    me = person_key()
    if me:
        email = verified_email()
        return (me, *([keys.email_key(email)] if email else []),
                *(keys.group_key(g) for g in groups()))
    token_key = st.session_state.get("account_key", "")
    return (token_key,) if token_key else ()


def visitor() -> Visitor:
    """This session as the sync entry's rules see it."""
    return Visitor(viewer(), signed_in())


def owners() -> dict[str, str]:
    """Who new private data may belong to, as label → account key: the signed-in person, then
    each of their groups ({} when not signed in)."""
    me = person_key()
    if not me:
        return {}
    return {f"me ({person()})": me, **{f"group {g}": keys.group_key(g) for g in groups()}}


def adopt_legacy_keys(store: Store) -> None:
    """Once per session after sign-in: repositories a store kept under this person's or their
    groups' keys from before key namespaces become theirs under the new keys (from a verified
    e-mail only, or the subject when the provider gives no e-mail)."""
    me = person_key()
    if not me or st.session_state.get("legacy_adopted") == me:
        return
    st.session_state["legacy_adopted"] = me
    has_email = bool(_claim("email"))
    store.adopt_keys(keys.legacy_person_keys(verified_email(), _claim("sub"), has_email), me)
    for g in groups():
        store.adopt_keys(keys.legacy_group_keys(g), keys.group_key(g))
