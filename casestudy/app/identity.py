"""Who this app session is, for private data: the signed-in person (Streamlit's native OIDC,
when the host configured an ``[auth]`` section) and the groups their identity provider says they
belong to, or — without sign-in — the token this session synced with. Only hashes of these
identities are kept (``state.account_key``); a token never is."""

from __future__ import annotations

import os

import streamlit as st

from .state import account_key

GROUPS_CLAIM = "groups"  # the ID-token claim listing the person's groups (Okta, Keycloak, Entra)


def oidc_configured() -> bool:
    """Whether the host configured sign-in (an ``[auth]`` section in Streamlit secrets)."""
    try:
        return "auth" in st.secrets  # raises without a secrets.toml
    except Exception:  # noqa: BLE001 - Streamlit raises several kinds here
        return False


def signed_in() -> bool:
    return oidc_configured() and bool(getattr(st.user, "is_logged_in", False))


def person() -> str:
    """The signed-in person as the provider names them (e-mail, else subject); '' if none."""
    if not signed_in():
        return ""
    return str(st.user.get("email") or st.user.get("sub") or "")


def groups() -> list[str]:
    """The signed-in person's groups, from the ID-token claim ``$CASESTUDY_OIDC_GROUPS_CLAIM``
    (default ``groups``): a list of names, or one name. Empty when signed out."""
    if not person():
        return []
    value = st.user.get(os.environ.get("CASESTUDY_OIDC_GROUPS_CLAIM") or GROUPS_CLAIM)
    names = [value] if isinstance(value, str) else list(value or [])
    return sorted({str(n).strip() for n in names if str(n).strip()})


def person_key(who: str) -> str:
    return account_key(f"oidc:{who}")


def group_key(name: str) -> str:
    return account_key(f"oidc-group:{name}")


def viewer() -> tuple[str, ...]:
    """The account keys whose private repositories this session may see: the signed-in person
    and each of their groups; otherwise the hash of the token this session synced with."""
    who = person()
    if who:
        return (person_key(who), *(group_key(g) for g in groups()))
    token_key = st.session_state.get("account_key", "")
    return (token_key,) if token_key else ()


def owners() -> dict[str, str]:
    """Who new private data may belong to, as label → account key: the signed-in person, then
    each of their groups ({} when not signed in)."""
    who = person()
    if not who:
        return {}
    return {f"me ({who})": person_key(who), **{f"group {g}": group_key(g) for g in groups()}}
