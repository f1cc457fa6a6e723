"""Files a kill never leaves half-written: each is written to a temporary file, then renamed.

The checkpoint's side files (settings, history, sample grids, GIF frames, FID logs) go
through these, so a run killed at any moment leaves whole files behind.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np


def until_step(log: dict, step: int, keys=None) -> dict:
    """The entries of a ``{"step": [...], ...}`` log at or before ``step`` (a resume's cut)."""
    keep = [i for i, s in enumerate(log.get("step", [])) if s <= step]
    return {key: [log[key][i] for i in keep] for key in (keys or log.keys())}


def atomic_write_json(path: Path, data) -> None:
    """Write JSON to a temporary file, then rename it: a kill never leaves half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def atomic_save_images(path: Path, entries: list[tuple[int, np.ndarray]]) -> None:
    """Save (step, images) pairs as one float16 .npz, through a temporary file."""
    steps = np.array([s for s, _ in entries], dtype=np.int64)
    images = np.stack([im for _, im in entries]).astype(np.float16)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez_compressed(tmp, steps=steps, images=images)
    os.replace(tmp, path)


def load_images(path: Path, step: int) -> list[tuple[int, np.ndarray]]:
    """The (step, images) pairs of :func:`atomic_save_images` up to ``step``, as float32."""
    if not path.exists():
        return []
    with np.load(path, allow_pickle=False) as saved:
        return [(int(s), im.astype(np.float32))
                for s, im in zip(saved["steps"], saved["images"]) if s <= step]
