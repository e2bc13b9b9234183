"""What a reader sees when comparing two versions of a disclosure: the changed number on a coloured background,
the long unchanged stretches folded until opened."""

import pytest
from playwright.sync_api import expect

from tests.public.test_disclosure_pages import build

pytestmark = pytest.mark.browser

PARAGRAPHS = [f"第{n}段:本段内容未作修改。" for n in range(1, 21)]
OLD = "\n\n".join(
    ["## 主要指标", "优良天数比例平均为79.1%,PM2.5年均浓度为**38**微克/立方米。", *PARAGRAPHS]
)
NEW = OLD.replace("79.1%", "79.4%")


def background(locator):
    """The computed background colour of the element, as rgb(…)."""
    return locator.evaluate("element => getComputedStyle(element).backgroundColor")


def relative_luminance(rgb):
    """WCAG relative luminance of an "rgb(r, g, b)" string."""

    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (int(part) for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("width", [1280, 360])
def test_the_changed_number_is_coloured_and_unchanged_paragraphs_are_folded(
    page, live_server, app, width
):
    """79.1 → 79.4: the old number struck through on red, the new one underlined on green, both legible;
    no Markdown syntax; the 20 unchanged paragraphs after the change are folded until the reader opens them."""
    disclosure_id = build(
        app, "环境质量公报", body=OLD, revise=("环境质量公报", NEW, "更正优良天数比例。")
    )
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server}/disclosures/{disclosure_id}/diff?from=1&to=2")
    removed, added = page.locator(".diff-changed del"), page.locator(".diff-changed ins")
    expect(removed).to_have_text("删除：79.1")
    expect(added).to_have_text("新增：79.4")
    for marked, line in ((removed, "line-through"), (added, "underline")):
        colour = background(marked)
        assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"), colour
        ink = relative_luminance(marked.evaluate("element => getComputedStyle(element).color"))
        contrast = (relative_luminance(colour) + 0.05) / (ink + 0.05)
        assert contrast >= 4.5, contrast
        assert line in marked.evaluate("element => getComputedStyle(element).textDecorationLine")
    assert background(removed).startswith("rgb(255") and background(added) != background(
        removed
    )  # red-ish, other
    expect(page.locator("main")).not_to_contain_text("**")
    expect(page.locator("main")).not_to_contain_text("## ")

    fold = page.locator(".diff-fold details")
    expect(fold).to_have_count(1)
    summary = fold.locator("summary")
    expect(summary).to_have_text("未更改的 19 段（第 4—22 段）")
    hidden = page.get_by_text("第10段:本段内容未作修改。")
    expect(hidden).to_be_hidden()
    expect(page.get_by_text("第1段:本段内容未作修改。")).to_be_visible()  # kept beside the change
    summary.click()
    expect(hidden).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_diff_page_with_folds_passes_axe(page, live_server, app, language):
    """axe-core finds no WCAG 2.1 A/AA violation on a diff with folded paragraphs, closed and open."""
    from tests.browser.test_accessibility import DESKTOP, axe_violations, describe, open_in

    disclosure_id = build(
        app, "环境质量公报", body=OLD, revise=("环境质量公报", NEW, "更正优良天数比例。")
    )
    found = []
    for size in ({"width": 360, "height": 740}, DESKTOP):
        page.set_viewport_size(size)
        open_in(page, live_server, language, f"/disclosures/{disclosure_id}/diff")
        found += axe_violations(page)
        page.locator(".diff-fold summary").click()
        found += axe_violations(page)
    assert not found, "\n".join(describe(v) for v in found)
