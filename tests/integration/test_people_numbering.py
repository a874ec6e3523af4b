"""The people offered as the lifter are numbered 1..n the same way in the warning, the picker and the
boxed frame, and a user's pick is called their choice (bichraix_bad007: a spotter stands beside the lifter)."""

import pytest

from core.pipeline import analyze_trace
from core.render.replay import person_numbers

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]


def test_people_are_numbered_as_offered_and_a_pick_is_the_users_choice(real_trace, config):
    trace = real_trace("bichraix_bad007")
    auto = analyze_trace(trace, config)
    numbers = person_numbers(auto)
    assert len(numbers) == 2 and sorted(numbers.values()) == [1, 2]
    [warning] = [w for w in auto.report.warnings if "people were seen" in w]
    assert warning.startswith(f"2 people were seen; analysed person {numbers[auto.lifter_id]} (largest and moving)")
    other = next(tid for tid in numbers if tid != auto.lifter_id)
    picked = analyze_trace(trace, config, lifter_id=other)
    assert person_numbers(picked) == numbers  # the same people keep the same numbers after a pick
    [warning] = [w for w in picked.report.warnings if "people were seen" in w]
    assert f"analysed person {numbers[other]} (your choice)" in warning
