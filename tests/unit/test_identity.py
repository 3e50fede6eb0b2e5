"""Identity tokens and the policy tables, without a broker."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest
import time_machine

from services.advice.policy import POLICY as ADVICE
from services.cases.policy import POLICY as CASES
from services.documents.policy import POLICY as DOCUMENTS
from services.enquiry.policy import POLICY as ENQUIRY
from services.tasks.policy import POLICY as TASKS
from shared.authorisation import Policy, rule
from shared.errors import Forbidden
from shared.identity import (
    MAX_LIFETIME_SECONDS,
    Identity,
    TokenIssuer,
    TokenVerifier,
    Unauthenticated,
    new_key_pair,
)

ROOT = Path(__file__).resolve().parents[2]
OLD_PRIVATE, OLD_PUBLIC = new_key_pair()
NEW_PRIVATE, NEW_PUBLIC = new_key_pair()


def test_a_token_carries_who_is_calling():
    issued = TokenIssuer(OLD_PRIVATE).mint(
        "officer:7", ["caseworker"], team="north", cases=["c-1"], actor="officer:7"
    )
    identity = TokenVerifier([OLD_PUBLIC]).verify(issued)
    assert identity.subject == identity.actor == "officer:7"
    assert identity.roles == frozenset({"caseworker"}) and identity.team == "north"
    assert identity.cases == frozenset({"c-1"}) and identity.token_id


@pytest.mark.parametrize(
    ("label", "make", "reason"),
    [
        ("none", lambda: None, "no identity token"),
        ("garbage", lambda: "a.b.c", "malformed"),
        (
            "expired",
            lambda: TokenIssuer(OLD_PRIVATE).mint("x", ["admin"], now=time.time() - 3600),
            "expired",
        ),
        (
            "not yet valid",
            lambda: TokenIssuer(OLD_PRIVATE).mint("x", ["admin"], now=time.time() + 600),
            "not valid yet",
        ),
        ("another key", lambda: TokenIssuer(NEW_PRIVATE).mint("x", ["admin"]), "trusted key"),
        (
            "another audience",
            lambda: TokenIssuer(OLD_PRIVATE, audience="elsewhere").mint("x", ["admin"]),
            "InvalidAudienceError",
        ),
        ("the system role", lambda: TokenIssuer(OLD_PRIVATE).mint("x", ["system"]), "roles"),
    ],
)
def test_a_bad_token_is_refused_saying_why(label, make, reason):
    with pytest.raises(Unauthenticated, match=reason):
        TokenVerifier([OLD_PUBLIC]).verify(make())


def test_a_token_signed_with_another_algorithm_or_living_too_long_is_refused():
    hmac_forgery = jwt.encode(
        {"sub": "x", "roles": ["admin"]}, "s" * 64, algorithm="HS256", headers={"kid": "k"}
    )
    with pytest.raises(Unauthenticated, match="trusted key"):
        TokenVerifier([OLD_PUBLIC]).verify(hmac_forgery)
    issuer = TokenIssuer(OLD_PRIVATE)
    now = int(time.time())
    claims = {
        "iss": issuer.issuer,
        "aud": issuer.audience,
        "sub": "x",
        "roles": ["admin"],
        "iat": now,
        "nbf": now,
        "exp": now + MAX_LIFETIME_SECONDS + 60,
        "jti": "j",
    }
    long_lived = jwt.encode(claims, issuer._key, algorithm="EdDSA", headers={"kid": issuer.key_id})
    with pytest.raises(Unauthenticated, match="longer than allowed"):
        TokenVerifier([OLD_PUBLIC]).verify(long_lived)


def test_keys_rotate_with_both_trusted_for_a_while():
    both = TokenVerifier([OLD_PUBLIC, NEW_PUBLIC])
    for private in (OLD_PRIVATE, NEW_PRIVATE):
        assert both.verify(TokenIssuer(private).mint("x", ["auditor"])).subject == "x"
    with pytest.raises(Unauthenticated):
        TokenVerifier([NEW_PUBLIC]).verify(TokenIssuer(OLD_PRIVATE).mint("x", ["auditor"]))


def test_a_policy_refuses_an_unlisted_role_and_an_rpc_without_a_rule():
    policy = Policy("demo", {"read": rule("auditor")})
    auditor = Identity("a", "a", frozenset({"auditor"}))
    customer = Identity("c", "c", frozenset({"customer"}))
    assert policy.check("read", auditor).roles == frozenset({"auditor"})
    with pytest.raises(Forbidden, match="read: not allowed for customer"):
        policy.check("read", customer)
    with pytest.raises(Forbidden, match="no rule allows this call"):
        policy.check("delete_everything", auditor)
    with pytest.raises(ValueError, match="unknown roles"):
        rule("superuser")


def test_docs_security_shows_each_service_s_rules_as_the_code_has_them():
    page = (ROOT / "docs" / "security.md").read_text()
    for policy in (ENQUIRY, ADVICE, CASES, TASKS, DOCUMENTS):
        assert policy.markdown() in page, f"docs/security.md: the {policy.service} table differs"


def test_a_token_checked_before_still_expires():
    verifier = TokenVerifier([OLD_PUBLIC])
    issued = TokenIssuer(OLD_PRIVATE, lifetime_seconds=60).mint("x", ["auditor"])
    assert verifier.verify(issued).subject == "x"
    assert verifier.verify(issued).subject == "x"  # from the cache
    with (
        time_machine.travel(time.time() + 60 + 31, tick=False),
        pytest.raises(Unauthenticated, match="expired"),
    ):
        verifier.verify(issued)
    # A changed byte is another token: its signature is checked, and fails.
    forged = issued[:-2] + ("A" if issued[-2] != "A" else "B") + issued[-1]
    with pytest.raises(Unauthenticated):
        verifier.verify(forged)
