"""The app's colours, defined once: fixes to Streamlit's light theme, and the classroom's projector mode.

Every text colour here is paired with the background it is drawn on, and each pair meets WCAG 2.1 AA
(contrast >= 4.5:1; tests/unit/test_theme.py checks the pairs, tests/browser checks what Chromium draws).
Streamlit has no per-page theme, so projector mode is CSS scoped to the app's own containers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


def _channel(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG relative luminance of an sRGB colour (0-255 channels)."""
    r, g, b = (_channel(float(v)) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def hex_rgb(color: str) -> tuple[int, int, int]:
    h = color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def contrast_ratio(fg: tuple[float, float, float] | str, bg: tuple[float, float, float] | str) -> float:
    """WCAG contrast ratio (1-21) of two opaque colours, as (r, g, b) 0-255 or "#rrggbb"."""
    a, b = (luminance(hex_rgb(c) if isinstance(c, str) else c) for c in (fg, bg))
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


@dataclass(frozen=True)
class Palette:
    """Colours of one look. ``*_text`` is drawn on the background named before it."""

    background: str
    text: str
    muted_text: str  # captions, hints
    surface: str  # sidebar, inputs, uploader, secondary buttons
    surface_text: str
    accent: str  # titles, primary buttons, focus
    accent_text: str  # text on an accent background
    link: str
    alert: str  # background of every st.success/info/warning/error box (the "Cue for the class" box)
    alert_text: str
    border: str

    def pairs(self) -> dict[str, tuple[str, str]]:
        """Every (text, background) pair this palette draws."""
        return {"text": (self.text, self.background), "muted": (self.muted_text, self.background),
                "surface": (self.surface_text, self.surface), "muted on surface": (self.muted_text, self.surface),
                "accent": (self.accent, self.background), "accent button": (self.accent_text, self.accent),
                "link": (self.link, self.background), "alert": (self.alert_text, self.alert)}


# Projector: white on black, yellow accents; buttons are dark with a white border, so they read as buttons.
PROJECTOR = Palette(background="#000000", text="#ffffff", muted_text="#e0e0e0", surface="#1e1e1e",
                    surface_text="#ffffff", accent="#ffeb3b", accent_text="#000000", link="#9fd3ff",
                    alert="#10321c", alert_text="#ffffff", border="#ffffff")
# Streamlit's light theme as configured in .streamlit/config.toml; only muted text is changed (Streamlit draws
# captions and uploader hints at 60 % opacity: ~3.8:1) and the primary colour is checked here.
LIGHT = Palette(background="#ffffff", text="#31333f", muted_text="#55586a", surface="#f0f2f6",
                surface_text="#31333f", accent="#1f77b4", accent_text="#ffffff", link="#1f5f99",
                alert="#e8f5ec", alert_text="#14532d", border="#31333f")

_LIGHT_CSS = """
<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * { color: {muted_text} !important;
  opacity: 1 !important; }
[data-testid="stFileUploaderDropzoneInstructions"] span,
[data-testid="stFileUploaderDropzoneInstructions"] small { color: {muted_text} !important; }
.stApp button:disabled, .stApp button:disabled * { color: {muted_text} !important; opacity: 1 !important; }
.stApp [data-testid="stMarkdownContainer"] code { color: {alert_text} !important; }
[data-testid="stWidgetLabel"] p { color: {text} !important; }
</style>
"""

_PROJECTOR_CSS = """
<style>
/* every selector starts with "html " so projector rules outrank the light-theme fixes above */
html .stApp, html [data-testid="stAppViewContainer"], html [data-testid="stMain"], html [data-testid="stHeader"],
html [data-testid="stBottom"] > div { background: {background} !important; color: {text} !important; }
html .stApp :where([data-testid="stMain"] *:not(svg, path, button, button *)) { color: {text} !important; }
html .stApp [data-testid="stMain"] :is(p, li, label, td, th) { font-size: 1.6rem !important; }
html .stApp h1 { font-size: 3.4rem !important; color: {accent} !important; }
html .stApp :is(h2, h3) { font-size: 2.4rem !important; color: {text} !important; }
html .stApp a, html .stApp a * { color: {link} !important; }
/* a card's number or cue is its largest text: these outrank the 1.6rem paragraph rule above (its <p> inside) */
html .stApp [data-testid="stMain"] [data-testid="stMetricValue"],
html .stApp [data-testid="stMain"] [data-testid="stMetricValue"] * {
  font-size: {value_size} !important; line-height: 1.15 !important; color: {accent} !important;
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
html .stApp [data-testid="stMain"] [data-testid="stMetricLabel"] p {
  font-size: {label_size} !important; color: {text} !important; }
/* a help icon is a plain glyph in the text colour, not a bordered button around an invisible stroke */
html .stApp [data-testid="stTooltipIcon"] button:not([data-testid^="stBaseButton"]) {
  background: transparent !important; border: none !important; min-height: 0 !important; padding: 0 0.2rem !important; }
html .stApp [data-testid="stTooltipIcon"] button:not([data-testid^="stBaseButton"]) svg {
  width: 1.6rem !important; height: 1.6rem !important; stroke: {text} !important; }
html [data-testid="stCaptionContainer"], html [data-testid="stCaptionContainer"] * {
  color: {muted_text} !important; opacity: 1 !important; }
/* sidebar: dark surface, light text */
html [data-testid="stSidebar"], html [data-testid="stSidebar"] > div { background: {surface} !important; }
html [data-testid="stSidebar"] *:not(svg, path) { color: {surface_text} !important; }
html [data-testid="stSidebar"] [aria-current="page"], html [data-testid="stSidebarNavLink"]:hover {
  background: {background} !important; }
/* buttons, including download buttons: dark with a white border; primary ones yellow with black text */
html .stApp button { background: {surface} !important; border: 2px solid {border} !important; }
html .stApp button, html .stApp button * { color: {surface_text} !important; font-size: 1.4rem !important; }
html .stApp button:is([kind="primary"], [data-testid="stBaseButton-primary"]) { background: {accent} !important; }
html .stApp button:is([kind="primary"], [data-testid="stBaseButton-primary"]) * { color: {accent_text} !important; }
html .stApp button:is(:hover, :focus-visible) { outline: 3px solid {accent} !important; }
html .stApp button:disabled, html .stApp button:disabled * { color: {muted_text} !important; opacity: 1 !important;
  border-style: dashed !important; }
/* message boxes (the "Cue for the class"): one dark green surface, white text, a bright left edge */
html [data-testid="stAlertContainer"] { background: {alert} !important; border-left: 8px solid {accent} !important; }
html [data-testid="stAlertContainer"] * { color: {alert_text} !important; font-size: 1.8rem !important; }
/* inputs, selects, uploader, expanders */
html .stApp :is(input, textarea, [data-baseweb="select"] > div, [data-baseweb="input"]),
html :is([data-testid="stFileUploaderDropzone"], [data-testid="stExpander"] :is(details, summary)) {
  background: {surface} !important; color: {surface_text} !important; }
html :is([data-testid="stFileUploaderDropzone"], [data-baseweb="select"]) * { color: {surface_text} !important; }
/* dropdowns and text fields as large as the text around them, their options too */
html .stApp [data-baseweb="select"] :is(div, span, input), html .stApp :is(input, textarea) {
  font-size: {control_size} !important; }
html .stApp [data-baseweb="select"] > div { min-height: 3.4rem !important; }
html [data-baseweb="popover"] :is(li, li *) { font-size: {control_size} !important; }
html [data-testid="stSelectboxVirtualDropdown"], html [data-testid="stSelectboxVirtualDropdown"] * {
  background: {surface} !important; color: {surface_text} !important; font-size: {control_size} !important; }
html [data-testid="stSelectboxVirtualDropdown"] [role="option"]:is([data-focused="true"], [data-selected="true"]) {
  outline: 3px solid {accent} !important; outline-offset: -3px; }
html [data-testid="stFileUploaderDropzoneInstructions"] :is(span, small) { color: {surface_text} !important;
  font-size: {label_size} !important; }
html [data-testid^="stFileChip"], html [data-testid^="stFileChip"] * {
  background: {surface} !important; color: {surface_text} !important; }
html :is([data-baseweb="popover"] li, [data-baseweb="popover"] ul, [data-baseweb="menu"]) {
  background: {surface} !important; color: {surface_text} !important; }
html [data-testid="stImageCaption"] { color: {muted_text} !important; font-size: 1.3rem !important; }
</style>
"""


# Projector type sizes (rem of the browser's 16 px): body text 1.6rem (~26 px) reads from the back of a 10 m room;
# a card's value is 2.5x its label, so "3 of 3" is the first thing seen.
PROJECTOR_SIZES = {"label_size": "1.6rem", "value_size": "4rem", "control_size": "1.6rem"}


def _css(template: str, palette: Palette) -> str:
    out = template
    for name, size in PROJECTOR_SIZES.items():
        out = out.replace("{" + name + "}", size)
    for f in fields(palette):
        out = out.replace("{" + f.name + "}", getattr(palette, f.name))
    return out


LIGHT_CSS = _css(_LIGHT_CSS, LIGHT)
PROJECTOR_CSS = _css(_PROJECTOR_CSS, PROJECTOR)


def apply_base_theme() -> None:
    """The light theme's contrast fixes, on every page (called by app.py before the page runs)."""
    import streamlit as st

    st.markdown(LIGHT_CSS, unsafe_allow_html=True)  # st.html's style-only output does not stay on the page


def apply_projector(on: bool) -> None:
    """Projector mode: large type, white on black (classroom)."""
    import streamlit as st

    if on:
        st.markdown(PROJECTOR_CSS, unsafe_allow_html=True)


# Each page's icon, from the Material Symbols font Streamlit serves itself: emoji need a colour-emoji font, which a
# school laptop or headless Chromium may lack, and then draw as empty boxes (second walk, item 7). The navigation
# (app.py) and the home page's links both use these.
PAGE_ICONS = {"home.py": ":material/home:", "upload.py": ":material/upload:", "live.py": ":material/videocam:",
              "history.py": ":material/show_chart:", "compare.py": ":material/compare:",
              "classroom.py": ":material/school:"}
# The app's pages in navigation order: (script, title, icon); app.py builds the sidebar from it and the navigation
# test reads the titles the sidebar must show.
PAGES = tuple((f"app_pages/{page}", title, PAGE_ICONS[page]) for page, title in (
    ("home.py", "Home"), ("upload.py", "Analyse a video"), ("live.py", "Live coaching"),
    ("history.py", "Athlete history"), ("compare.py", "Compare"), ("classroom.py", "Classroom")))
