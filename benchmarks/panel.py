"""How fast the layer panel of notebook 02 redraws: ``python benchmarks/panel.py``.

The panel runs the chosen setting on 320 tickets × 1 seed (plain backend) and shows it beside
"layers off" and "all layers on". A toggle that reaches a new setting runs one configuration
(the references are cached); a setting seen before comes from the results cache. Printed: the
median redraw in seconds for new and for seen settings, against the baseline of a bare
``coordlab.run`` of the same settings in the same process (the panel's own overhead is the
ratio: cache reads, the table and the PNG).
"""

import statistics
import tempfile
import time

import coordlab

MOVES = [("verification", "off"), ("recovery", "off"), ("state", "off"),
         ("verification", "gate"), ("protocol", "off"), ("recovery", "full")]  # fmt: skip


def main() -> None:
    panel = coordlab.layer_panel(cache=tempfile.mkdtemp(prefix="coordlab-bench-"))
    fresh, settings, undo = [], [], []
    for name, mode in MOVES:  # every move reaches a setting not seen before
        undo.append((name, panel.controls[name].value))
        panel.controls[name].value = mode
        fresh.append(panel.last_redraw_s)
        settings.append(panel.setting())
    seen = []
    for name, mode in reversed(undo):  # walk back through the settings seen before
        panel.controls[name].value = mode
        seen.append(panel.last_redraw_s)
    bare = []
    for setting in settings:
        start = time.perf_counter()
        coordlab.run(layers=setting)
        bare.append(time.perf_counter() - start)
    print("plain, 320 tickets x 1 seed, median of", len(MOVES), "moves")
    print(f"  redraw, new setting   {statistics.median(fresh):.2f} s (max {max(fresh):.2f})")
    print(f"  redraw, seen setting  {statistics.median(seen):.3f} s (max {max(seen):.3f})")
    print(f"  bare coordlab.run     {statistics.median(bare):.2f} s")
    print(
        f"  new / bare {statistics.median(fresh) / statistics.median(bare):.2f}x, "
        f"seen / new {statistics.median(seen) / statistics.median(fresh):.3f}x"
    )


if __name__ == "__main__":
    main()
