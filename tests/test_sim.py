import pytest

from coordlab import SimLLM
from coordlab.errors import TransientError
from coordlab.llm.base import Message, count_tokens
from coordlab.llm.faults import FAULT_KINDS
from coordlab.llm.profiles import targeted_profile
from coordlab.pipeline import prompts

EMAIL = (
    "From: Ana Lopez <ana@example.com>\nDate: 2026-05-01\nSubject: Help\n\n"
    "The desk lamp from order ORD-10012 came broken. I would like a refund of $45.50."
)


def _intake(sim, attempt=1, typed=False):
    messages = prompts.build("intake", "T0001", attempt, {"Email": EMAIL}, typed)
    return sim.complete(messages)


def test_answers_only_from_the_prompt():
    sim = SimLLM("perfect")
    assert _intake(sim).text == ("Intent: refund\nOrder: ORD-10012\nAmount: 45.50\nReason: damaged")
    assert '"order_id": "ORD-10012"' in _intake(sim, typed=True).text


def test_tokens_are_counted_on_the_received_text():
    completion = _intake(SimLLM("perfect"))
    messages = prompts.build("intake", "T0001", 1, {"Email": EMAIL}, False)
    assert completion.tokens_in == sum(count_tokens(m.content) for m in messages)
    assert completion.tokens_out == count_tokens(completion.text)
    assert completion.latency_s > 0


def _timeouts(sim, attempts):
    seen = []
    for attempt in attempts:
        try:
            _intake(sim, attempt)
            seen.append(False)
        except TransientError:
            seen.append(True)
    return seen


def test_faults_are_keyed_by_attempt():
    sim = SimLLM(targeted_profile([("intake", "timeout")], rate=0.5), seed=1)
    seen = _timeouts(sim, range(1, 30))
    assert any(seen) and not all(seen)
    assert _timeouts(sim, reversed(range(1, 30))) == seen[::-1]


def test_a_prompt_without_the_header_is_refused():
    with pytest.raises(ValueError, match="not a coordlab prompt"):
        SimLLM().complete([Message("user", "hello")])


def test_every_fault_kind_has_a_mast_label():
    for kind in FAULT_KINDS.values():
        assert kind.mast.startswith("FM-"), kind


def test_rows_can_be_grouped_by_mast_failure_mode():
    from helpers import cached_rows

    rows = cached_rows("none", "uniform-97")
    labelled = [r for r in rows if r["faults"]]
    assert labelled and all(r["mast"].startswith("FM-") for r in labelled)


def test_every_fault_in_the_default_mix_is_a_known_kind():
    from coordlab.llm.profiles import DEFAULT_MIX

    for step, kinds in DEFAULT_MIX.items():
        for name in kinds:
            assert (step, name) in FAULT_KINDS, (step, name)


def test_the_header_flags_say_the_format_not_the_wording():
    system, user = prompts.build("intake", "T0001", 1, {"Email": EMAIL}, typed=True)
    assert user.content.splitlines()[0].endswith("attempt=1 format=json")
    plain_system = Message("system", "Answer.")  # no "JSON schema" anywhere
    assert SimLLM("perfect").complete([plain_system, user]).text.startswith("{")
    text = user.content.replace("format=json", "format=text")
    assert SimLLM("perfect").complete([system, Message("user", text)]).text.startswith("Intent:")


def test_the_critic_flag_sets_its_strictness():
    from coordlab.domain import wire

    strict = wire.header("verify", "T0001", 1, typed=False, mode="critic-strict")
    assert strict.endswith("format=text critic=strict")
    assert wire.read_header(strict).critic == "strict"
    assert wire.read_header(strict.replace("strict", "vague")).critic == "vague"
    assert wire.read_header("[coordlab] step=verify ticket=T1 attempt=2").critic == "vague"
    assert wire.read_header("[coordlab] step=decide ticket=T1 attempt=2").critic is None


def test_a_bad_header_flag_is_refused():
    user = "[coordlab] step=intake ticket=T0001 attempt=1 format=xml\n### Email\nhi"
    with pytest.raises(ValueError, match="not a coordlab prompt: bad header flag format=xml"):
        SimLLM().complete([Message("user", user)])


def test_every_fault_a_conformance_check_injects_is_caught_by_its_layer():
    from coordlab.llm.faults import faults_caught_by
    from coordlab.testing.conformance import LAYER_FAULTS

    for layer, kinds in LAYER_FAULTS.items():
        assert set(kinds) <= set(faults_caught_by(layer)), layer
