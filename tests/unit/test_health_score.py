"""The customer health score: hand-computed cases, and its bounds and monotony as properties."""
from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partner_portal.insights.health import HealthInputs, band, health

small = st.integers(min_value=0, max_value=10_000)
maybe_days = st.one_of(st.none(), st.integers(min_value=-30, max_value=400))
inputs = st.builds(
    HealthInputs, purchased=small, assigned=small, days_to_expiry=maybe_days, days_to_trial_end=maybe_days,
    gateway_used_mb=st.integers(min_value=0, max_value=10**8), gateway_allotment_mb=st.integers(min_value=0, max_value=10**8),
    critical_unread=small, open_tickets=small, active_recent=small, active_before=small,
)


def points(result) -> dict[str, int]:
    """The deductions as factor -> points."""
    return {d.factor: d.points for d in result.deductions}


@pytest.mark.parametrize("figures, score, expected", [
    # Nothing wrong.
    (HealthInputs(), 100, {}),
    (HealthInputs(purchased=100, assigned=80), 100, {}),
    # 120 of 100: 5 + 20 % over = 25 (the cap); 101 of 100: 5 + 1.
    (HealthInputs(purchased=100, assigned=120), 75, {"over-assigned": 25}),
    (HealthInputs(purchased=100, assigned=101), 94, {"over-assigned": 6}),
    # 1 over 3 is 33.3 %, counted as 34 % (started percents): capped at 25.
    (HealthInputs(purchased=3, assigned=4), 75, {"over-assigned": 25}),
    (HealthInputs(purchased=0, assigned=2), 75, {"over-assigned": 25}),
    # 40 of 100 assigned: 60 % unused = 6 points; 71 of 100: 29 % unused, below the 30 % line.
    (HealthInputs(purchased=100, assigned=40), 94, {"unused": 6}),
    (HealthInputs(purchased=100, assigned=71), 100, {}),
    (HealthInputs(purchased=100, assigned=0), 90, {"unused": 10}),
    # Expiry steps: 14 days and fewer 20, up to 30 days 12, up to 90 days 5, later nothing.
    (HealthInputs(days_to_expiry=0), 80, {"expiry": 20}),
    (HealthInputs(days_to_expiry=14), 80, {"expiry": 20}),
    (HealthInputs(days_to_expiry=15), 88, {"expiry": 12}),
    (HealthInputs(days_to_expiry=90), 95, {"expiry": 5}),
    (HealthInputs(days_to_expiry=91), 100, {}),
    (HealthInputs(days_to_trial_end=7), 90, {"trial": 10}),
    (HealthInputs(days_to_trial_end=30), 95, {"trial": 5}),
    # Gateway: 1,250 MB used of 1,000: 25 % over = 5 + 5.
    (HealthInputs(gateway_used_mb=1250, gateway_allotment_mb=1000), 90, {"gateway": 10}),
    (HealthInputs(gateway_used_mb=1000, gateway_allotment_mb=1000), 100, {}),
    (HealthInputs(gateway_used_mb=1, gateway_allotment_mb=0), 85, {"gateway": 15}),
    (HealthInputs(critical_unread=1), 92, {"critical": 8}),
    (HealthInputs(critical_unread=5), 84, {"critical": 16}),
    (HealthInputs(open_tickets=2), 94, {"tickets": 6}),
    (HealthInputs(open_tickets=9), 88, {"tickets": 12}),
    # Active use 300 -> 200: a 33 % fall = 8 points; 300 -> 250 (16 %) is under the line.
    (HealthInputs(active_before=300, active_recent=200), 92, {"trend": 8}),
    (HealthInputs(active_before=300, active_recent=250), 100, {}),
    (HealthInputs(active_before=300, active_recent=0), 85, {"trend": 15}),
    # Everything at once: 25 + 20 + 10 + 15 + 16 + 12 + 15 = 113, floored at 0.
    (HealthInputs(purchased=10, assigned=20, days_to_expiry=3, days_to_trial_end=1, gateway_used_mb=5000,
                  gateway_allotment_mb=1000, critical_unread=3, open_tickets=10, active_before=10, active_recent=0),
     0, {"over-assigned": 25, "expiry": 20, "trial": 10, "gateway": 15, "critical": 16, "tickets": 12, "trend": 15}),
])
def test_hand_computed_scores(figures, score, expected):
    result = health(figures)
    assert (result.score, points(result)) == (score, expected)


def test_deductions_come_largest_first_with_a_reason():
    result = health(HealthInputs(purchased=100, assigned=110, open_tickets=1, days_to_expiry=20))
    assert [d.factor for d in result.deductions] == ["over-assigned", "expiry", "tickets"]
    assert result.deductions[0].reason == "10 more licenses assigned than the 100 purchased"
    assert result.summary.startswith("Over-assigned licenses -15 (10 more licenses assigned")


@pytest.mark.parametrize("score, expected", [(100, "good"), (80, "good"), (79, "watch"), (60, "watch"),
                                             (59, "at-risk"), (0, "at-risk")])
def test_bands(score, expected):
    assert band(score) == expected


@given(inputs)
def test_the_score_is_bounded_and_explained(figures):
    result = health(figures)
    assert 0 <= result.score <= 100
    assert all(d.points > 0 for d in result.deductions)
    assert result.score == max(0, 100 - sum(d.points for d in result.deductions))


@given(inputs, st.integers(min_value=1, max_value=1000))
def test_more_over_assignment_never_raises_the_score(figures, more):
    over = replace(figures, assigned=max(figures.assigned, figures.purchased))
    assert health(replace(over, assigned=over.assigned + more)).score <= health(over).score


@given(inputs, st.integers(min_value=1, max_value=1000))
def test_fewer_assigned_seats_below_the_purchase_never_raise_the_score(figures, fewer):
    under = replace(figures, assigned=min(figures.assigned, figures.purchased))
    assert health(replace(under, assigned=max(0, under.assigned - fewer))).score <= health(under).score


@given(inputs, st.integers(min_value=0, max_value=400), st.integers(min_value=1, max_value=400))
def test_a_nearer_end_never_raises_the_score(figures, days, nearer):
    sooner = max(0, days - nearer)
    assert health(replace(figures, days_to_expiry=sooner)).score <= health(replace(figures, days_to_expiry=days)).score
    assert (health(replace(figures, days_to_trial_end=sooner)).score
            <= health(replace(figures, days_to_trial_end=days)).score)


@given(inputs, st.integers(min_value=1, max_value=10**6))
def test_more_bandwidth_never_raises_the_score(figures, more):
    assert (health(replace(figures, gateway_used_mb=figures.gateway_used_mb + more)).score
            <= health(figures).score)


@given(inputs, st.integers(min_value=1, max_value=100))
def test_more_critical_notes_or_tickets_never_raise_the_score(figures, more):
    assert health(replace(figures, critical_unread=figures.critical_unread + more)).score <= health(figures).score
    assert health(replace(figures, open_tickets=figures.open_tickets + more)).score <= health(figures).score


@given(inputs, st.integers(min_value=1, max_value=1000))
def test_less_recent_active_use_never_raises_the_score(figures, less):
    assert (health(replace(figures, active_recent=max(0, figures.active_recent - less))).score
            <= health(figures).score)


def test_a_kept_score_is_written_in_the_language_asked(app):
    # health() keeps results per figures and language: the same figures read in German and then
    # in English must not share their sentences.
    figures = HealthInputs(purchased=100, assigned=130, open_tickets=2, days_to_expiry=10)
    from flask_babel import force_locale

    with app.test_request_context("/"):
        with force_locale("de"):
            german = health(figures)
        with force_locale("en"):
            english = health(figures)
    assert german.score == english.score
    assert [d.reason for d in german.deductions] != [d.reason for d in english.deductions]
    assert health(figures) is english  # outside a request: English, from the kept result
