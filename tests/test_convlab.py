"""gan_utils.convlab: notebooks 03-04's diagrams drawn cell by cell, and the size
calculators checked against Keras, driven from code and displayed as a kernel shows them."""

from __future__ import annotations

import pytest

from gan_utils import conv, convlab

keras = pytest.importorskip("keras")
pytest.importorskip("ipywidgets")
pytest.importorskip("IPython")

from _widget_display import (  # noqa: E402
    assert_shows_its_box,
    embedded_image,
    png,
    static_outputs,
)

# ------------------------------------------------------------------- widgets

@pytest.mark.slow
def test_conv_calculator_answers_slider_moves():
    calc = convlab.conv_calculator(n=5, kernel=3)
    assert calc.result == {"formula": 3, "keras": "3", "agree": True}
    first_picture = bytes(calc.picture.value)
    assert first_picture.startswith(b"\x89PNG")
    calc.controls["stride"].value = 2
    calc.controls["padding"].value = 1
    assert calc.result["formula"] == 3 and calc.result["agree"]  # (5 + 2 - 3) // 2 + 1
    calc.controls["input size"].value = 8
    assert "floor((8 + 2·1 − 3) / 2) + 1 = <b>4</b>" in calc.summary.value
    assert "Keras:</b> 4" in calc.summary.value
    assert calc.controls["window"].max == 4 * 4 - 1
    calc.controls["window"].value = 15
    assert bytes(calc.picture.value) != first_picture
    calc.controls["input size"].value = 28   # MNIST
    calc.controls["kernel"].value = 5
    calc.controls["padding"].value = "same"
    assert calc.result == {"formula": 14, "keras": "14", "agree": True}


def test_conv_calculator_reports_invalid_settings_from_both_sides():
    calc = convlab.conv_calculator(n=4, kernel=3)
    calc.controls["kernel"].value = 6
    assert calc.result["formula"] is None
    assert "larger than the padded input" in calc.summary.value
    assert calc.result["keras"].startswith("refuses")
    assert bytes(calc.picture.value) == b""
    calc.controls["kernel"].value = 3
    calc.controls["input size"].value = 5
    calc.controls["stride"].value = 2
    calc.controls["dilation"].value = 2  # fine by the formula, refused by Keras
    assert calc.result["formula"] == 1 and calc.result["keras"].startswith("refuses")


def test_conv_transpose_calculator_follows_keras():
    calc = convlab.conv_transpose_calculator(n=7, kernel=5, stride=2, padding="same")
    assert calc.result == {"formula": 14, "keras": "14", "agree": True}
    calc.controls["padding"].value = "valid"
    assert calc.result["formula"] == (7 - 1) * 2 + 5 and calc.result["agree"]
    calc.controls["output_padding"].value = 1
    assert calc.result["formula"] == 18 and calc.result["agree"]
    calc.controls["output_padding"].value = 2
    assert "must be smaller than stride=2" in calc.summary.value
    # "same", an even kernel and output_padding=0: compute_output_shape says 6, but the
    # layer cannot run; the calculator runs it, and the formula refuses with the reason.
    calc.controls["padding"].value = "same"
    calc.controls["output_padding"].value = 0
    calc.controls["input size"].value = 4
    calc.controls["kernel"].value = 4
    assert keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", output_padding=0
                                        ).compute_output_shape((1, 4, 4, 1))[1] == 6
    assert calc.result["formula"] is None and "cannot run" in calc.summary.value
    # run compiled by XLA (convlab.run_conv_transpose): TensorFlow's size check, on every CPU
    assert calc.result["keras"] == ("refuses (Size of out_backprop doesn't match computed: "
                                    "actual = 4, computed = 3)")
    assert calc.result["agree"] and "both refuse" in calc.summary.value
    calc.controls["output_padding"].value = 1
    assert calc.result == {"formula": 7, "keras": "7", "agree": True}


# ------------------------------------------------------------------- diagrams

def _cells(ax, gid):
    """(row, col) of the unit squares in the collection tagged ``gid`` on ax."""
    found = set()
    for collection in ax.collections:
        if collection.get_gid() == gid:
            for path in collection.get_paths():
                x, y = path.vertices.min(axis=0)
                found.add((int(round(y)), int(round(x))))
    return found


def _taps_and_inputs(ax):
    """(row, col) of the shaded kernel taps, and the number of blue input cells, on ax."""
    return _cells(ax, "taps"), len(_cells(ax, "input"))


def test_conv_step_shades_the_window_of_the_chosen_output_pixel():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt


    fig, ax = plt.subplots()
    # n=5, k=3, s=2, p=1: output pixel (1, 2) reads padded rows 2..4 and columns 4..6.
    convlab.draw_conv_step(ax, 5, 3, stride=2, padding=1, position=(1, 2))
    taps, inputs = _taps_and_inputs(ax)
    assert taps == {(r, c) for r in (2, 3, 4) for c in (4, 5, 6)}
    assert inputs == 25
    ax.clear()
    convlab.draw_conv_step(ax, 7, 3, dilation=2, position=(0, 1))  # taps 2 apart
    assert _taps_and_inputs(ax)[0] == {(r, c) for r in (0, 2, 4) for c in (1, 3, 5)}
    with pytest.raises(ValueError, match="position"):
        convlab.draw_conv_step(ax, 5, 3, position=(3, 0))  # only 3x3 outputs
    plt.close(fig)


def test_conv_transpose_step_draws_the_zero_inserted_input():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt


    fig, ax = plt.subplots()
    convlab.draw_conv_transpose_step(ax, 3, 3, stride=2, position=(6, 6))
    taps, inputs = _taps_and_inputs(ax)
    assert inputs == 9  # the 3x3 input pixels; the inserted zeros are white
    assert len(_cells(ax, "zeros")) == 5 * 5 - 9 and len(_cells(ax, "padding")) == 9 * 9 - 25
    # 7x7 output from 2 + 5 + 2 = 9 padded cells: the last window starts at (6, 6).
    assert taps == {(r, c) for r in (6, 7, 8) for c in (6, 7, 8)}
    plt.close(fig)
    assert len(convlab.conv_diagram(4, 3).axes) == 4            # all 2x2 positions
    assert len(convlab.conv_transpose_diagram(3, 5, 2, "same", max_panels=3).axes) == 3
    with pytest.raises(ValueError, match="2-D"):
        convlab.plot_overlap(conv.transposed_overlap(4, 3, 2))
    plt.close("all")


# ------------------------------------------------------------------- displayed

def test_conv_calculators_display_and_follow_their_controls(shell):
    calc = convlab.conv_calculator(n=5, kernel=3, stride=2, padding=1)
    assert_shows_its_box(shell, calc)
    assert calc.result == {"formula": 3, "keras": "3", "agree": True}  # (5 + 2 - 3) // 2 + 1
    picture = png(calc.picture.value)
    assert picture.startswith(b"\x89PNG")
    calc.controls["input size"].value = 12
    calc.controls["kernel"].value = 5
    calc.controls["padding"].value = "same"
    assert calc.result == {"formula": 6, "keras": "6", "agree": True}  # ceil(12 / 2)
    assert calc.controls["window"].max == 6 * 6 - 1
    calc.controls["window"].value = 35
    assert png(calc.picture.value) not in (picture, b"")

    transpose = convlab.conv_transpose_calculator(n=3, kernel=3, stride=2)
    assert_shows_its_box(shell, transpose)
    output_padding = transpose.controls["output_padding"]
    assert output_padding.label == "None" and output_padding.index == 0  # shown, not blank
    assert transpose.result["formula"] == (3 - 1) * 2 + 3 and transpose.result["agree"]
    output_padding.value = 1
    assert transpose.result == {"formula": 8, "keras": "8", "agree": True}
    output_padding.index = 0  # what picking "None" in the list does
    assert transpose.result["formula"] == 7 and output_padding.label == "None"
    output_padding.value = 1
    transpose.controls["padding"].value = "same"
    assert "<b>6</b>" in transpose.summary.value and transpose.result["agree"]  # (3-1)·2+1+1


def test_static_site_stand_in_sweeps_the_window_and_leaves_it_as_it_was(shell, monkeypatch):
    calc = convlab.conv_calculator(n=5, kernel=3, stride=2, padding=1)  # a 3 x 3 output
    views, pages = static_outputs(shell, calc, monkeypatch)
    assert len(views) == 1 and len(pages) == 1
    assert "open the notebook" in pages[0].lower() and "output pixels 0 to 5" in pages[0]
    gif = embedded_image(pages[0])
    assert gif.format == "GIF" and gif.n_frames == 6  # min(6, 3 * 3) window positions
    assert calc.controls["window"].value == 0
