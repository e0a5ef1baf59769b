"""A real browser runs notebook 02's layer control panel, in JupyterLab and as a Voilà app.

Headless Debian Chromium (Playwright, ``executable_path=/usr/bin/chromium``) opens
``notebooks/02_layers.ipynb`` (a copy without outputs, in a temporary directory, so the committed
file is never touched) in JupyterLab, runs all cells, changes the ``verification`` dropdown and
checks that both the numbers (``.coordlab-numbers``) and the plot (``.coordlab-plot`` PNG) change;
then the same notebook is served with Voilà and the same is checked there. Screenshots before and
after go to ``artifacts/browser/`` (or ``$COORDLAB_BROWSER_ARTIFACTS``).

Skips with the install command when Playwright, JupyterLab, Voilà or Chromium is missing; fails
instead under ``COORDLAB_REQUIRE_ALL_BACKENDS=1`` (CI). ``COORDLAB_BROWSER_NOTEBOOK`` points the
test at another notebook with the same widget contract.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

import _browser as b
import pytest

NOTEBOOK = Path(
    os.environ.get("COORDLAB_BROWSER_NOTEBOOK", b.REPO / "notebooks" / "02_layers.ipynb")
)
# Kernel start plus the first run of the panel: 20-40 s on two cores, so generous.
FIRST_RENDER_MS = 120_000
# A change of one control redraws within a few seconds (plain backend, 320 tickets, 1 seed).
REDRAW_MS = 60_000
# "success 0.835 [0.822, 0.848]", or a table row "success [95% CI]  0.835 [0.822, 0.848] ...".
NUMBERS_RE = re.compile(r"success.*?\d\.\d{3}\s*\[\d\.\d{3},\s*\d\.\d{3}\]")
PNG_SRC = "data:image/png;base64,"
# Read the numbers and the plot in one go and compare with what they were before the change.
CHANGED_JS = """([before, beforeSrc, pattern]) => {
  const panel = document.querySelector('.coordlab-panel');
  const numbers = panel && panel.querySelector('.coordlab-numbers');
  const img = panel && panel.querySelector('.coordlab-plot img');
  if (!numbers || !img) return false;
  const text = numbers.innerText, src = img.getAttribute('src') || '';
  return text !== before && new RegExp(pattern).test(text)
    && src.startsWith('data:image/png;base64,') && src !== beforeSrc;
}"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    b.require_browser_stack()
    if not NOTEBOOK.is_file():
        pytest.fail(f"{NOTEBOOK} does not exist", pytrace=False)
    from playwright.sync_api import sync_playwright

    root = tmp_path_factory.mktemp("browser")
    work = root / "work"
    work.mkdir()
    notebook = work / NOTEBOOK.name
    b.strip_outputs(NOTEBOOK, notebook)
    env = b.isolated_env(root / "home")
    with sync_playwright() as pw:
        browser = b.launch_chromium(pw, root / "chromium-home")
        try:
            yield {"root": root, "work": work, "notebook": notebook, "env": env, "browser": browser}
        finally:
            browser.close()


def _new_page(stack, guard: b.OfflineGuard):
    context = stack["browser"].new_context(viewport={"width": 1400, "height": 1000})
    guard.install(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def _dropdown(page, description: str):
    """The <select> of the panel's ipywidgets Dropdown whose description is ``description``."""
    label = page.locator(".widget-label", has_text=re.compile(rf"^\s*{re.escape(description)}\s*$"))
    return page.locator(".coordlab-panel .widget-dropdown").filter(has=label).locator("select")


def _state(page) -> tuple[str, str]:
    numbers = page.locator(".coordlab-panel .coordlab-numbers").first.inner_text()
    src = page.locator(".coordlab-panel .coordlab-plot img").first.get_attribute("src") or ""
    return numbers, src


def _wait_panel(page) -> None:
    from playwright.sync_api import expect

    panel = page.locator(".coordlab-panel").first
    expect(panel).to_be_visible(timeout=FIRST_RENDER_MS)
    expect(panel.locator(".coordlab-numbers").first).to_contain_text(
        NUMBERS_RE, timeout=FIRST_RENDER_MS
    )
    expect(panel.locator(".coordlab-plot img").first).to_have_attribute(
        "src", re.compile("^" + re.escape(PNG_SRC)), timeout=FIRST_RENDER_MS
    )
    expect(_dropdown(page, "verification")).to_be_enabled(timeout=FIRST_RENDER_MS)


def _toggle_and_check(page, shots: Path, prefix: str) -> dict:
    """Screenshot, move ``verification``, wait for numbers and plot to change, screenshot."""

    panel = page.locator(".coordlab-panel").first
    panel.scroll_into_view_if_needed()
    before_numbers, before_src = _state(page)
    page.screenshot(path=str(shots / f"{prefix}-before.png"))
    panel.screenshot(path=str(shots / f"{prefix}-panel-before.png"))

    select = _dropdown(page, "verification")
    current = select.input_value()
    options = [o for o in select.locator("option").all_inner_texts() if o.strip()]
    target = "off" if current != "off" else next(o for o in options if o != "off")
    t0 = time.monotonic()
    select.select_option(label=target)

    page.wait_for_function(
        CHANGED_JS,
        arg=[before_numbers, before_src, NUMBERS_RE.pattern],
        timeout=REDRAW_MS,
        polling=200,
    )
    redraw_s = time.monotonic() - t0
    # Let the redraw settle (the Output is cleared, then refilled) before the "after" shot.
    page.wait_for_timeout(500)
    after_numbers, after_src = _state(page)
    page.screenshot(path=str(shots / f"{prefix}-after.png"))
    panel.screenshot(path=str(shots / f"{prefix}-panel-after.png"))

    assert after_numbers != before_numbers
    assert NUMBERS_RE.search(after_numbers), after_numbers
    assert after_src and after_src != before_src
    assert "Error displaying widget" not in panel.inner_text()
    return {
        "from": current,
        "to": target,
        "before": _success_line(before_numbers),
        "after": _success_line(after_numbers),
        "redraw_s": round(redraw_s, 1),
    }


def _success_line(numbers: str) -> str:
    match = NUMBERS_RE.search(numbers)
    return " ".join(numbers[match.start() :].split("\n")[0].split()) if match else numbers


def _report(name: str, result: dict, shots: Path, guard: b.OfflineGuard) -> None:
    print(
        f"\n[{name}] verification {result['from']} -> {result['to']} in {result['redraw_s']} s:"
        f"\n  before: {result['before']!r}\n  after:  {result['after']!r}"
        f"\n  screenshots: {shots}"
    )
    if guard.tolerated_seen:
        print(f"  known offline misses: {sorted(set(guard.tolerated_seen))}")
    assert not guard.blocked, f"{name} tried to reach the network: {guard.blocked[:5]}"


def _in_browser(stack, name: str, argv, probe: str, drive, tolerated=()) -> None:
    """Serve the notebook with ``argv(port, token)``, let ``drive(page, server, shots)`` move the
    toggle, and check the page had no errors and reached nothing beyond localhost."""
    port, token = b.free_port(), secrets.token_hex(16)
    slug = name.lower()
    shots, guard = b.artifacts_dir(slug), b.OfflineGuard(tolerated=tolerated)
    with b.serving(probe, name=name, argv=argv(port, token), cwd=stack["work"],
                   env=stack["env"], port=port, token=token,
                   log_path=stack["root"] / f"{slug}.log") as server:  # fmt: skip
        context, page, errors = _new_page(stack, guard)
        try:
            result = drive(page, server, shots)
        except Exception:
            page.screenshot(path=str(shots / f"{slug}-failure.png"))
            print(server.log_tail())
            raise
        finally:
            context.close()
    assert not errors, f"page errors in {name}: {errors[:5]}"
    _report(name, result, shots, guard)


def _run_all_in_jupyterlab(stack, page, server, shots):
    from playwright.sync_api import expect

    idle = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$")).first
    page.goto(server.url(f"/lab/tree/{stack['notebook'].name}"), timeout=60_000)
    expect(page.locator(".jp-Notebook").first).to_be_visible(timeout=60_000)
    # Run All only once the status bar says the kernel is Idle: the toolbar's execution
    # indicator reads "idle" before any kernel exists, and a click then runs nothing.
    expect(idle).to_be_visible(timeout=FIRST_RENDER_MS)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
    _wait_panel(page)
    # The cells after the panel run too: toggle once the kernel is free again.
    expect(page.locator(".jp-InputPrompt", has_text="[*]")).to_have_count(
        0, timeout=FIRST_RENDER_MS
    )
    expect(idle).to_be_visible(timeout=FIRST_RENDER_MS)
    return _toggle_and_check(page, shots, "jupyterlab")


def _open_voila(page, server, shots):
    page.goto(server.url("/"), timeout=FIRST_RENDER_MS, wait_until="domcontentloaded")
    _wait_panel(page)
    return _toggle_and_check(page, shots, "voila")


def test_jupyterlab_runs_panel_and_toggle_redraws(stack):
    def drive(page, server, shots):
        return _run_all_in_jupyterlab(stack, page, server, shots)

    _in_browser(
        stack, "JupyterLab", lambda port, token: b.jupyterlab_argv(stack["work"], port, token),
        "/api/status", drive,
    )  # fmt: skip


def test_voila_app_toggle_redraws(stack):
    # Probe a static file: "/" would execute the notebook.
    _in_browser(
        stack, "Voila", lambda port, token: b.voila_argv(stack["notebook"], port, token),
        "/voila/static/favicon.ico", _open_voila, tolerated=b.VOILA_CDN_FONTAWESOME,
    )  # fmt: skip
