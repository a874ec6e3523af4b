"""The upload progress bar's time estimate: remaining seconds from the measured rate."""

import pytest

from ui.upload import ETA_MIN_ELAPSED_S, remaining_s


def test_remaining_time_follows_the_measured_rate():
    # 10 % at the first report (model loaded, decoding started), 40 % after 6 s: 5 %/s, 60 % left -> 12 s
    assert remaining_s(0.40, 0.10, 6.0) == pytest.approx(12.0)
    assert remaining_s(0.99, 0.10, 6.0) == pytest.approx(6.0 * 0.01 / 0.89)


@pytest.mark.parametrize(("fraction", "first", "elapsed"), [
    pytest.param(0.3, 0.1, ETA_MIN_ELAPSED_S / 2, id="too-early-to-say"),
    pytest.param(0.1, 0.1, 5.0, id="no-progress-yet"),
    pytest.param(1.0, 0.1, 5.0, id="done")])
def test_no_estimate_without_a_measured_rate(fraction, first, elapsed):
    assert remaining_s(fraction, first, elapsed) is None
