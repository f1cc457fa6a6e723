"""Write the few dataset images the course ships, for showing without a download.

Notebook 01 shows a handful of CIFAR-10 frogs. Without a data folder that would mean
downloading all of CIFAR-10 (about 170 MB), so the course ships the first few frogs of
the test split in gan_utils/assets/sample_images.npz (uint8, read without pickle), which
``gan_utils.data.sample_images`` reads when no copy of the dataset is at hand:

    python scripts/assets/make_sample_images.py --data-dir ../shared/datasets

Only these few images are copied, never the dataset's files. The project's offline copy
of CIFAR-10 was rebuilt from JPEGs (see its README), so these carry JPEG loss too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from gan_utils import data

ROOT = Path(__file__).resolve().parents[2]

# (dataset, class, how many): what the notebooks show from sample_images.
SAMPLES = (("cifar10", "frog", 4),)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "datasets"),
                        help="folder holding the datasets' own files (default: %(default)s)")
    parser.add_argument("--output", default=str(data.SAMPLES_FILE),
                        help="the .npz to write (default: %(default)s)")
    args = parser.parse_args(argv)
    arrays = {}
    for name, class_name, count in SAMPLES:
        images, _ = data.load_images(name, split="test", classes=class_name,
                                     data_dir=args.data_dir)
        if len(images) < count:
            parser.error(f"{args.data_dir}: only {len(images)} {class_name} images in {name}")
        arrays[f"{name}_{class_name}"] = np.ascontiguousarray(images[:count], dtype=np.uint8)
    output = Path(args.output)
    np.savez_compressed(output, **arrays)
    print(f"wrote {output} ({output.stat().st_size:,} bytes): "
          + ", ".join(f"{key} {value.shape}" for key, value in arrays.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
