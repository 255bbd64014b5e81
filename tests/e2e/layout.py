"""What a person would meet on a page, measured in the browser: overflow, covered or squeezed controls.

At desktop width nothing may need sideways scrolling, not even inside a scrolling box; on a phone a
wide table may scroll sideways in its own box, but the page itself may not.

``layout_problems(page)`` only reads the page (and scrolls it, as a person would, to reach each
control); it returns one line per problem, empty when the page is usable at the window's width.
"""
from __future__ import annotations

# The controls a person clicks or types into. Links styled as buttons count, tabs and pages too.
CONTROLS = (
    "input:not([type=hidden]), select, textarea, button, a.btn, label.btn, [role=button], [role=tab], "
    "summary, .page-link, .nav-link"
)

MEASURE = """([controls, sideways]) => {
  const describe = (el) => {
    if (!el) return 'nothing';
    let text = el.tagName.toLowerCase();
    if (el.id) text += '#' + el.id;
    else if (el.getAttribute('name')) text += '[name=' + el.getAttribute('name') + ']';
    else if (el.classList.length) text += '.' + [...el.classList].slice(0, 3).join('.');
    const label = (el.labels && el.labels[0] ? el.labels[0].innerText : el.innerText || el.value || el.getAttribute('aria-label') || '')
      .replace(/\\s+/g, ' ').trim().slice(0, 40);
    return label ? `${text} "${label}"` : text;
  };
  const problems = [];
  const width = window.innerWidth;
  const overflow = document.documentElement.scrollWidth - width;
  if (overflow > 0) {
    // the outermost elements that stick out, not every descendant of one wide table
    const wide = [...document.body.querySelectorAll('*')].filter(el => el.getBoundingClientRect().right > width + 0.5
      && !(el.parentElement && el.parentElement.getBoundingClientRect().right > width + 0.5 && el.parentElement !== document.body));
    problems.push(`document is ${document.documentElement.scrollWidth} px wide in a ${width} px window`
      + (wide.length ? ` (sticking out: ${wide.slice(0, 3).map(el => `${describe(el)} to ${Math.round(el.getBoundingClientRect().right)} px`).join(', ')})` : ''));
  }
  if (!sideways) {
    // a wide window has room: a box a person must scroll sideways hides part of what it holds
    for (const el of document.body.querySelectorAll('*')) {
      const overflowX = getComputedStyle(el).overflowX;
      if ((overflowX === 'auto' || overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1 && el.checkVisibility())
        problems.push(`${describe(el)} must be scrolled sideways: ${el.scrollWidth} px of content in ${el.clientWidth} px`);
    }
  }
  let checked = 0;
  for (const el of document.querySelectorAll(controls)) {
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const style = getComputedStyle(el);
    if (style.pointerEvents === 'none') continue;  // disabled Bootstrap buttons: nobody can click them
    if (el.closest('.visually-hidden, .visually-hidden-focusable')) continue;
    el.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});
    const box = el.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) {
      problems.push(`${describe(el)} is squeezed to ${Math.round(box.width)}x${Math.round(box.height)} px`);
      continue;
    }
    const left = Math.max(box.left, 0), right = Math.min(box.right, width);
    const top = Math.max(box.top, 0), bottom = Math.min(box.bottom, window.innerHeight);
    if (right - left < 1 || bottom - top < 1) {
      problems.push(`${describe(el)} cannot be scrolled into the window`);
      continue;
    }
    const hit = document.elementFromPoint((left + right) / 2, (top + bottom) / 2);
    const labels = el.labels ? [...el.labels] : [];
    if (hit && (hit === el || el.contains(hit) || labels.some(label => label === hit || label.contains(hit)))) {
      checked += 1;
      continue;
    }
    problems.push(`${describe(el)} is covered by ${describe(hit)}`);
  }
  window.scrollTo({left: 0, top: 0, behavior: 'instant'});
  return {problems, checked};
}"""


# Below this width a table may scroll sideways in its own box (Bootstrap's .table-responsive).
SIDEWAYS_SCROLLING_BELOW = 1200


def layout_problems(page) -> tuple[list[str], int]:
    """(problems, number of controls a pointer reaches) of the page as it shows now."""
    sideways = page.viewport_size["width"] < SIDEWAYS_SCROLLING_BELOW
    result = page.evaluate(MEASURE, [CONTROLS, sideways])
    return result["problems"], result["checked"]
