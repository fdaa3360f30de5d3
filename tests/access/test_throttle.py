"""Sign-in throttling (issue 15, finding 3): growing delays per source and per account, persisted, and no
lock-out anyone can trigger: after someone sprays wrong passwords, the admin still signs in from elsewhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnhub.access.models import SignInThrottle
from returnhub.access.settings import AccessSettings
from returnhub.access.throttle import Policy, delay
from returnhub.core.clock import FixedClock
from returnhub.core.database import unit_of_work
from returnhub.core.runtime import Runtime
from returnhub.web.app import create_app
from tests.auth_helpers import PASSWORD, make_user

SETTINGS = AccessSettings(argon2_memory_kib=64, argon2_time_cost=1)
ATTACKER = ("203.0.113.66", 40000)
OFFICE = ("198.51.100.7", 40000)


_apps: dict[int, FastAPI] = {}


def _client(runtime: Runtime, source: tuple[str, int]) -> TestClient:
    """A client at ``source``; one app per runtime (building an app costs more than the sign-ins)."""
    app = _apps.get(id(runtime))
    if app is None:
        app = _apps[id(runtime)] = create_app(runtime)
        app.state.access_settings = SETTINGS
    return TestClient(app, client=source)


def _sign_in(client: TestClient, name: str, password: str = PASSWORD) -> int:
    return client.post("/auth/token", json={"name": name, "password": password}).status_code


def test_the_delay_grows_from_one_second_to_its_ceiling() -> None:
    policy = Policy(free=3, max_delay=timedelta(seconds=30))
    waits = [delay(n, policy).total_seconds() for n in range(1, 11)]
    assert waits == [0, 0, 0, 1, 2, 4, 8, 16, 30, 30]


def test_spraying_from_one_source_is_slowed_and_the_admin_signs_in_from_elsewhere(runtime: Runtime) -> None:
    make_user(runtime, "admin", "the.admin")
    names = ["the.admin"] + [make_user(runtime, "caseworker", f"cw.{i}") and f"cw.{i}" for i in range(3)]
    with _client(runtime, ATTACKER) as attacker:
        answers = [_sign_in(attacker, name, f"Spring2026!{i}") for i in range(20) for name in names]
    assert (
        answers[: SETTINGS.sign_in_free_failures_per_source]
        == [401] * SETTINGS.sign_in_free_failures_per_source
    )
    assert 429 in answers  # the source must wait, for every account
    with _client(runtime, ATTACKER) as attacker:
        assert _sign_in(attacker, "cw.0") == 429  # even with a right password, until the wait is over
    with _client(runtime, OFFICE) as office:
        assert _sign_in(office, "the.admin") == 200


def test_guessing_one_account_from_many_places_waits_seconds_not_forever(
    runtime: Runtime, clock: FixedClock
) -> None:
    make_user(runtime, "admin", "the.admin")
    for i in range(40):  # a different source each time: only the account-wide count grows
        _sign_in(_client(runtime, (f"203.0.113.{i}", 40000)), "the.admin", "wrong password!")
    with _client(runtime, OFFICE) as office:
        waiting = office.post("/auth/token", json={"name": "the.admin", "password": PASSWORD})
        assert waiting.status_code == 429
        assert int(waiting.headers["retry-after"]) <= SETTINGS.sign_in_account_max_delay_seconds
        clock.advance(timedelta(seconds=int(waiting.headers["retry-after"])))
        assert _sign_in(office, "the.admin") == 200


def test_the_counts_are_rows_and_an_unknown_name_is_counted_like_a_known_one(runtime: Runtime) -> None:
    make_user(runtime, "analyst", "an.one")
    with _client(runtime, ATTACKER) as attacker:
        for name in ("an.one", "no.such.person"):
            for _ in range(SETTINGS.sign_in_free_failures_per_account + 1):
                assert _sign_in(attacker, name, "wrong password!") == 401
            assert _sign_in(attacker, name, "wrong password!") == 429
    with unit_of_work(runtime.engine, read_only=True) as s:
        rows = {(r.scope, r.key): r.failures for r in s.execute(select(SignInThrottle)).scalars()}
    assert rows[("account", "an.one")] == rows[("account", "no.such.person")] == 4
    assert rows[("source", ATTACKER[0])] == 8


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_success_clears_the_account_but_not_the_source(runtime: Runtime) -> None:
    make_user(runtime, "analyst", "an.two")
    with _client(runtime, ATTACKER) as attacker:
        for _ in range(SETTINGS.sign_in_free_failures_per_account):
            _sign_in(attacker, "an.two", "wrong password!")
        assert _sign_in(attacker, "an.two") == 200
    with unit_of_work(runtime.engine, read_only=True) as s:
        scopes = {r.scope: r.failures for r in s.execute(select(SignInThrottle)).scalars()}
    assert scopes == {"source": SETTINGS.sign_in_free_failures_per_account}


def test_the_sign_in_page_says_to_wait_in_plain_words(runtime: Runtime) -> None:
    from tests.web.pages import HTML, sign_in_token

    make_user(runtime, "caseworker", "cw.page")
    app = create_app(runtime)
    app.state.access_settings = SETTINGS
    with TestClient(app, headers=HTML, base_url="https://testserver") as browser:
        statuses = []
        for _ in range(SETTINGS.sign_in_free_failures_per_account + 2):
            answer = browser.post(
                "/ui/sign-in",
                data={
                    "name": "cw.page",
                    "password": "wrong password!",
                    "sign_in_token": sign_in_token(browser),
                },
            )
            statuses.append(answer.status_code)
    assert statuses[0] == 401 and statuses[-1] == 429
    assert "Too many failed sign-ins: wait" in answer.text and "seconds and try again" in answer.text


def test_attempts_at_the_same_moment_cannot_all_pass_one_check(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An attempt is counted before its password is checked: a second attempt made while the first is still
    in Argon2 already sees the first one's count (and so, past the free failures, must wait)."""
    from returnhub.access import service
    from returnhub.access.throttle import SignInThrottled

    make_user(runtime, "analyst", "an.race")
    for _ in range(SETTINGS.sign_in_free_failures_per_account):
        assert (
            service.sign_in(
                runtime.engine, "an.race", "wrong", source=ATTACKER[0], settings=SETTINGS, clock=runtime.clock
            )
            is None
        )
    real_verify = service.verify_password
    during: list[object] = []

    def verify_while_another_tries(*args: object) -> bool:
        if not during:
            during.append("in flight")
            try:
                service.sign_in(
                    runtime.engine,
                    "an.race",
                    "wrong",
                    source=ATTACKER[0],
                    settings=SETTINGS,
                    clock=runtime.clock,
                )
            except SignInThrottled as exc:
                during.append(exc)
        return real_verify(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "verify_password", verify_while_another_tries)
    assert (
        service.sign_in(
            runtime.engine, "an.race", "wrong", source=ATTACKER[0], settings=SETTINGS, clock=runtime.clock
        )
        is None
    )
    assert isinstance(during[-1], SignInThrottled)


def _served(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, *options: str, trusted: str | None = None
) -> object:
    """The ASGI app exactly as `returnhub serve` has uvicorn run it (its ProxyHeadersMiddleware included),
    with ``trusted`` as RETURNHUB_FORWARDED_ALLOW_IPS."""
    import uvicorn

    from returnhub import cli

    served: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.update(app=app, kwargs=kwargs))
    cli.set_runtime(
        Runtime(
            settings=runtime.settings.model_copy(update={"forwarded_allow_ips": trusted}),
            engine=runtime.engine,
            clock=runtime.clock,
        )
    )
    try:
        cli.app(["serve", *options], standalone_mode=False)
    finally:
        cli.set_runtime(None)
    app = served["app"]
    assert isinstance(app, FastAPI)
    app.state.access_settings = SETTINGS
    kwargs = dict(served["kwargs"])  # type: ignore[call-overload]
    kwargs.pop("log_level", None)
    config = uvicorn.Config(app, log_config=None, **kwargs)
    config.load()
    return config.loaded_app


PROXY = ("10.0.0.2", 40000)


def _spray(client: TestClient, forwarded_for: str, n: int, first: int = 0) -> list[int]:
    """``n`` wrong sign-ins, each to another unknown name (so only the source's count grows)."""
    return [
        client.post(
            "/auth/token",
            json={"name": f"nobody.{i}", "password": "wrong password!"},
            headers={"X-Forwarded-For": forwarded_for},
        ).status_code
        for i in range(first, first + n)
    ]


@pytest.mark.parametrize(
    ("options", "trusted"),
    [((), "10.0.0.2"), (("--forwarded-allow-ips", "10.0.0.0/24"), None), (("--proxy-headers",), "10.0.0.2")],
)
def test_behind_a_trusted_proxy_each_forwarded_source_is_throttled_on_its_own(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, options: tuple[str, ...], trusted: str | None
) -> None:
    app = _served(runtime, monkeypatch, *options, trusted=trusted)
    free = SETTINGS.sign_in_free_failures_per_source
    with TestClient(app, client=PROXY) as proxy:  # type: ignore[arg-type]
        assert _spray(proxy, ATTACKER[0], free + 2)[-1] == 429
        # Another user behind the same proxy is not slowed by the attacker's failures.
        assert _spray(proxy, OFFICE[0], 1) == [401]
        assert _sign_in(proxy, "nobody.x") == 401  # no header: the proxy's own address, counted afresh
    with unit_of_work(runtime.engine, read_only=True) as session:
        sources = set(
            session.execute(select(SignInThrottle.key).where(SignInThrottle.scope == "source")).scalars()
        )
    assert sources == {ATTACKER[0], OFFICE[0], PROXY[0]}


@pytest.mark.parametrize(
    ("options", "trusted"),
    [((), None), (("--no-proxy-headers",), "10.0.0.2"), (("--forwarded-allow-ips", "192.0.2.1"), None)],
)
def test_a_forwarded_for_header_from_an_untrusted_client_cannot_dodge_the_throttle(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, options: tuple[str, ...], trusted: str | None
) -> None:
    app = _served(runtime, monkeypatch, *options, trusted=trusted)
    free = SETTINGS.sign_in_free_failures_per_source
    with TestClient(app, client=PROXY) as client:  # type: ignore[arg-type]
        # A new made-up source on every attempt: all counted under the client's own address.
        answers = [_spray(client, f"198.51.100.{i}", 1, first=i)[0] for i in range(free + 2)]
    assert answers[:free] == [401] * free and answers[-1] == 429
