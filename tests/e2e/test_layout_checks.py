"""The layout checks themselves, on small pages made for them: each problem is seen, a usable page passes."""
from __future__ import annotations

import pytest

from tests.e2e.layout import layout_problems

pytestmark = pytest.mark.browser

USABLE = """<main>
  <label for="name">Name</label> <input id="name">
  <input type="checkbox" id="agree"> <label for="agree">I agree</label>
  <select aria-label="Colour"><option>red</option></select>
  <a class="btn" href="#">Go</a> <button disabled style="pointer-events: none">Later</button>
  <div style="overflow-x: auto; width: 300px"><table style="width: 900px"><tr><td><input aria-label="Wide"></td></tr></table></div>
  <input type="hidden" name="token">
</main>"""


@pytest.fixture
def tab(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, reduced_motion="reduce")
    yield context.new_page()
    context.close()


def test_a_usable_page_has_no_problem(tab):
    tab.set_content(USABLE)
    problems, reached = layout_problems(tab)
    assert problems == []
    assert reached == 5  # name, checkbox, select, link button, the input in the scrolling box


def test_a_page_wider_than_the_window_is_reported_with_what_sticks_out(tab):
    tab.set_content('<main><table id="periods" style="width: 1200px"><tr><td>Profession</td></tr></table></main>')
    [problem], _ = layout_problems(tab)
    assert "document is 1208 px wide in a 390 px window" in problem
    assert 'table#periods "Profession" to 1208 px' in problem


def test_a_control_under_another_element_is_reported_with_what_covers_it(tab):
    tab.set_content(
        '<main id="main" style="position: relative">'
        '<input type="checkbox" id="conventioned"><label for="conventioned">Conventionné</label>'
        '<div id="cover" style="position: absolute; inset: 0; background: white">veil</div></main>'
    )
    assert layout_problems(tab)[0] == ['input#conventioned "Conventionné" is covered by div#cover "veil"']


def test_a_click_on_the_label_of_the_control_counts_as_reaching_it(tab):
    tab.set_content(
        '<label style="position: relative; display: inline-block; padding: 1rem">'
        '<input type="radio" name="choice" value="a"><span style="position: absolute; inset: 0">A</span></label>'
    )
    assert layout_problems(tab) == ([], 1)


def test_a_control_squeezed_to_nothing_is_reported(tab):
    tab.set_content('<table style="width: 0; table-layout: fixed"><tr><td style="width: 0; padding: 0">'
                    '<input id="inami" aria-label="INAMI" style="width: 0; height: 20px; padding: 0; border: 0"></td></tr></table>')
    assert layout_problems(tab)[0] == ['input#inami "INAMI" is squeezed to 0x20 px']


def test_a_box_scrolling_sideways_is_reported_at_desktop_width_only(tab):
    content = ('<div id="log" style="overflow-x: auto"><table><tr><td style="white-space: nowrap">'
               + "7b88bfa76d12114d53764f19fec0e9c54ac2ed4c6842" * 12 + "</td></tr></table></div>")
    tab.set_content(content)
    assert layout_problems(tab) == ([], 0)
    tab.set_viewport_size({"width": 1366, "height": 900})
    [problem], _ = layout_problems(tab)
    assert problem.startswith("div#log") and "must be scrolled sideways" in problem
