"""Checks any staff page must pass in the browser: no horizontal scrolling, a label for every
field, and text contrast of at least 4.5:1 (WCAG AA for body text)."""

from __future__ import annotations

# For each element with text of its own: its colour against the first opaque background
# up its ancestors (white at the top), as WCAG 2 defines relative luminance and contrast.
CONTRAST = """() => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const parse = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return { rgb: m.slice(0, 3), a: m.length > 3 ? m[3] : 1 }; };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.a > 0.5) return c.rgb;
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!own || style.visibility === "hidden" || style.display === "none" || !el.getClientRects().length) continue;
    const fg = parse(style.color).rgb, bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) low.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return low;
}"""

UNLABELLED = """() => Array.from(document.querySelectorAll("input, select, textarea"))
  .filter((f) => f.type !== "hidden" && !f.getAttribute("aria-label")
          && !(f.id && document.querySelector(`label[for="${f.id}"]`)) && !f.closest("label"))
  .map((f) => f.outerHTML.slice(0, 80))"""


def assert_usable(page, width: int = 390) -> None:
    """The page as it is now, at `width` px: no sideways scrolling, labelled fields, contrast."""
    page.set_viewport_size({"width": width, "height": 844})
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= width, f"{page.url} scrolls sideways at {width}px ({wide}px wide)"
    assert page.evaluate(UNLABELLED) == [], page.url
    assert page.evaluate(CONTRAST) == [], page.url
