"""The sandbox's state machine: transitions, stale writes, idempotency, deadlines, buyers, windows."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace_returns.sandbox.records import SandboxShop
from marketplace_returns.sandbox.state import SandboxInvalid, SandboxNotFound, SandboxStale, SandboxState
from sandbox_builders import T0, frozen_state, refund

RID = "70000000000001"


def act(state: SandboxState, action: str, rid: str = RID, **kw: object) -> object:
    params = kw.pop("params", {})
    shop = kw.pop("shop_id", "demo-tb")
    return state.transition(rid, action=action, api_method=f"test.{action}", shop_id=shop,
                            params=params, **kw)  # type: ignore[arg-type]


def test_return_flow_agree_ship_back_confirm() -> None:
    state = frozen_state(refund(1))
    r = state.get(RID)
    assert r is not None
    act(state, "agree_return", expected_version=1)
    assert (r.status, r.version) == ("WAIT_BUYER_RETURN_GOODS", 2)
    state.advance(49 * 3600)  # buyers ship back within 2..48 h
    assert r.status == "WAIT_SELLER_CONFIRM_GOODS" and r.return_tracking and r.version == 3
    assert r.to_top()["good_status"] == "BUYER_RETURNED_GOODS"
    act(state, "confirm_goods", expected_version="3|aftersale", params={"amount": Decimal("120.00")})
    assert (r.status, r.refunded_amount) == ("SUCCESS", Decimal("120.00"))
    assert [a.action for a in state.effects(RID)] == ["agree_return", "confirm_goods"]


def test_amount_above_request_is_rejected_and_recorded() -> None:
    state = frozen_state(refund(1))
    with pytest.raises(SandboxInvalid):
        act(state, "agree_refund", params={"amount": "120.01"})
    with pytest.raises(SandboxInvalid):
        act(state, "agree_refund", params={"amount": "0"})
    assert [a.outcome for a in state.actions] == ["rejected", "rejected"]
    assert state.refunds[RID].status == "WAIT_SELLER_AGREE" and state.refunds[RID].version == 1


def test_stale_version_phase_and_status_are_refused() -> None:
    state = frozen_state(refund(1))
    with pytest.raises(SandboxStale):
        act(state, "agree_refund", expected_version=2)
    with pytest.raises(SandboxStale):
        act(state, "agree_refund", expected_version="1|onsale")  # the refund is in aftersale
    act(state, "agree_refund", expected_version="1|aftersale", params={"amount": "100"})
    with pytest.raises(SandboxStale):
        act(state, "refuse")  # already refunded: the action no longer applies
    assert [a.outcome for a in state.actions] == ["stale", "stale", "applied", "stale"]
    assert state.refunds[RID].refunded_amount == Decimal("100")


def test_other_shop_and_unknown_refund_are_not_found() -> None:
    state = frozen_state(refund(1))
    with pytest.raises(SandboxNotFound):
        act(state, "refuse", shop_id="demo-tm")
    with pytest.raises(SandboxNotFound):
        act(state, "refuse", rid="1")
    assert state.get("1") is None


def test_repeated_idempotency_key_has_one_effect() -> None:
    state = frozen_state(refund(1))
    for _ in range(3):
        r = act(state, "negotiate", params={"amount": "90"}, idempotency_key="k-1")
    assert state.refunds[RID].version == 2
    assert [a.outcome for a in state.actions] == ["applied", "duplicate", "duplicate"]
    assert len(state.effects(RID)) == 1 and r is state.refunds[RID]
    act(state, "message", params={"content": "已为您申请"}, idempotency_key="k-1")  # same key, other action
    assert [a.outcome for a in state.actions][-1] == "applied"


def test_deadline_grants_taobao_but_not_shopify() -> None:
    tb = refund(1, deadline=T0 + timedelta(hours=48))
    sh = refund(2, platform="shopify", shop_id="demo-shop", deadline=T0 + timedelta(hours=48))
    state = frozen_state(tb, sh)
    state.advance(47 * 3600)
    assert tb.status == "WAIT_SELLER_AGREE"
    done = state.advance(2 * 3600)
    assert done == {"auto_granted_by_deadline": 1}
    assert (tb.status, tb.refunded_amount, tb.version) == ("SUCCESS", Decimal("120.00"), 2)
    assert sh.status == "WAIT_SELLER_AGREE"
    assert state.counters["auto_granted_by_deadline"] == 1
    assert tb.modified == T0 + timedelta(hours=49)


def test_a_handled_refund_is_not_granted_by_its_old_deadline() -> None:
    state = frozen_state(refund(1, deadline=T0 + timedelta(hours=2)))
    act(state, "refuse")
    state.advance(3 * 3600)
    assert state.refunds[RID].status in ("SELLER_REFUSE_BUYER", "CLOSED")
    assert state.counters["auto_granted_by_deadline"] == 0


def test_negotiation_is_answered_by_the_buyer() -> None:
    state = frozen_state(*(refund(i) for i in range(1, 41)))
    with pytest.raises(SandboxInvalid):
        act(state, "negotiate", params={"amount": "120.00"})  # not below the request
    for i in range(1, 41):
        act(state, "negotiate", rid=str(70_000_000_000_000 + i), params={"amount": "60"})
    state.advance(7 * 3600)
    accepted = [r for r in state.refunds.values() if r.refund_amount == Decimal("60")]
    declined = [r for r in state.refunds.values() if r.refund_amount == Decimal("120.00")]
    assert accepted and declined and len(accepted) + len(declined) == 40
    assert all(r.messages[-1]["owner_role"] == "buyer" and r.version == 3 for r in state.refunds.values())
    assert state.counters["buyer.negotiation_accepted"] == len(accepted)


def test_message_is_kept_without_version_change_and_bounded_on_taobao() -> None:
    state = frozen_state(refund(1))
    act(state, "message", params={"content": "您好，我们马上处理", "session": "s3cret", "sign": "ABC"})
    r = state.refunds[RID]
    assert r.version == 1 and r.messages[-1]["content"] == "您好，我们马上处理"
    assert [m["owner_role"] for m in r.top_messages()] == ["1", "2"]
    assert "session" not in state.actions[-1].params and "sign" not in state.actions[-1].params
    with pytest.raises(SandboxInvalid):
        act(state, "message", params={"content": "好" * 140})  # 420 bytes
    with pytest.raises(SandboxInvalid):
        act(state, "message", params={"content": "  "})


def test_shopify_refund_create_keeps_the_goods() -> None:
    state = frozen_state(refund(1, platform="shopify", shop_id="demo-shop", currency="USD"))
    with pytest.raises(SandboxInvalid):
        act(state, "refund_create", shop_id="demo-shop", params={"amount": "120.01"})
    act(state, "refund_create", shop_id="demo-shop", params={"amount": "15.50"})
    assert (state.refunds[RID].status, state.refunds[RID].refunded_amount) == ("SUCCESS", Decimal("15.50"))


def test_stale_fault_bumps_the_version_before_the_write() -> None:
    state = frozen_state(refund(1))
    state.faults.update({"stale": 1.0})
    with pytest.raises(SandboxStale):
        act(state, "agree_refund", expected_version=1)
    assert state.refunds[RID].version == 2 and state.counters["fault.stale"] == 1
    assert state.actions[-1].outcome == "stale"
    act(state, "agree_refund")  # without a version the write is not raced
    assert state.refunds[RID].status == "SUCCESS"


def test_windows_match_a_scan_and_follow_changes() -> None:
    rnd = random.Random(3)
    made = [refund(i, platform=p, shop_id=s, created=T0 - timedelta(seconds=rnd.randrange(86400)))
            for i in range(1, 1500) for p, s in [rnd.choice([("taobao", "demo-tb"), ("tmall", "demo-tm")])]]
    state = frozen_state(*made)
    for _ in range(40):
        a = T0 - timedelta(seconds=rnd.randrange(90000))
        b = a + timedelta(seconds=rnd.randrange(1, 20000))
        got = state.refunds_changed("tmall", "demo-tm", a, b)
        want = sorted((r for r in made if r.platform == "tmall" and a <= r.modified < b),
                      key=lambda r: (r.modified, r.refund_id))
        assert [r.refund_id for r in got] == [r.refund_id for r in want]
    assert state.refunds_changed("taobao", "demo-tm", None, None) == []
    moved = state.refunds_changed("taobao", "demo-tb", None, None)[0]
    state.transition(moved.refund_id, action="refuse", api_method="t", shop_id="demo-tb", params={})
    assert state.refunds_changed("taobao", "demo-tb", None, T0)[0] is not moved
    assert state.refunds_changed("taobao", "demo-tb", T0, None) == [moved]


def test_scheduled_traffic_appears_when_its_time_comes() -> None:
    later = refund(1, created=T0 + timedelta(minutes=10))
    state = frozen_state(later)
    assert state.get(RID) is None and state.pending == 1
    assert state.refunds_changed("taobao", "demo-tb", None, None) == []
    assert state.advance(600) == {"released": 1}
    assert state.refunds_changed("taobao", "demo-tb", None, None) == [later]


ACTIONS = ["agree_refund", "agree_return", "refuse", "refuse_return", "message", "negotiate", "confirm_goods",
           "process_return", "refund_create", "approve_return", "decline_return"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 200), st.booleans(),
                          st.integers(0, 30 * 3600)), max_size=25))
def test_any_sequence_keeps_the_invariants(steps: list[tuple[str, int, bool, int]]) -> None:
    state = frozen_state(refund(1))
    r = state.refunds[RID]
    for action, amount, with_version, wait in steps:
        before_status, before_version = r.status, r.version
        try:
            act(state, action, params={"amount": str(amount), "content": "好的"},
                expected_version=r.version if with_version else None)
        except (SandboxStale, SandboxInvalid):
            assert (r.status, r.version) == (before_status, before_version)
        else:
            assert before_status not in ("SUCCESS", "CLOSED")
            assert r.version == before_version + (action != "message")
        state.advance(wait)
        assert r.version >= before_version
        assert r.refunded_amount is None or Decimal(0) < r.refunded_amount <= r.item_price
        assert (r.status == "SUCCESS") == (r.refunded_amount is not None)
    assert len(state.actions) == len(steps)
    assert all(a.outcome in ("applied", "stale", "rejected") for a in state.actions)
    assert [a.seq for a in state.actions] == list(range(1, len(steps) + 1))


def test_shops_are_found_by_credential_even_after_they_change() -> None:
    tb = SandboxShop("tb", "taobao", app_key="1001", app_secret="s", session="x")
    sh = SandboxShop("sh", "shopify", shop_domain="sh.myshopify.com", access_token="shpat_a")
    twin = SandboxShop("tb2", "tmall", app_key="1001", app_secret="t", session="y")
    state = SandboxState([tb, sh, twin])
    assert state.shop_with("app_key", "1001") is tb  # the first shop with the key, as a scan finds it
    assert state.shop_with("access_token", "shpat_a", platform="shopify") is sh
    assert state.shop_with("access_token", "shpat_a", platform="taobao") is None
    assert state.shop_with("app_key", "") is None and state.shop_with("app_key", "404") is None
    sh.access_token = "shpat_b"  # rotated after the index was built
    assert state.shop_with("access_token", "shpat_a") is None
    assert state.shop_with("access_token", "shpat_b") is sh
    del state.shops["tb"]
    assert state.shop_with("app_key", "1001") is twin
