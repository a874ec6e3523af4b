"""The app's colours: every text/background pair of the light theme and of projector mode meets WCAG AA."""

import re

import pytest

from ui.theme import LIGHT, LIGHT_CSS, PROJECTOR, PROJECTOR_CSS, Palette, contrast_ratio


def test_contrast_ratio_matches_the_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the usual AA grey on white
    assert contrast_ratio((255, 255, 255), "#1f77b4") == contrast_ratio("#1f77b4", (255, 255, 255))


@pytest.mark.parametrize("palette", [LIGHT, PROJECTOR], ids=["light", "projector"])
def test_every_text_background_pair_meets_wcag_aa(palette: Palette):
    low = {name: round(contrast_ratio(fg, bg), 2) for name, (fg, bg) in palette.pairs().items()
           if contrast_ratio(fg, bg) < 4.5}
    assert not low, f"pairs under 4.5:1: {low}"


@pytest.mark.parametrize(("css", "palette"), [(LIGHT_CSS, LIGHT), (PROJECTOR_CSS, PROJECTOR)],
                         ids=["light", "projector"])
def test_the_css_uses_only_its_palette(css: str, palette: Palette):
    """The palette is the one place colours are defined: the CSS has no colour of its own."""
    colours = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", css)}
    assert colours and colours <= {v.lower() for v in vars(palette).values()}
    assert "{" + "text}" not in css  # every placeholder was filled
