"""What a resumed run pays to skip the batches its checkpoint says were drawn.

GANTrainer stores how many batches a run has drawn, not the tf.data iterator (whose shuffle
buffer would go into every checkpoint), and a resumed run skips that many batches of the
rebuilt pipeline. This times the skip on notebook 06's pipeline (24,000 MNIST images,
batches of 128, seeded shuffle): ``python benchmarks/resume_skip_cost.py 0 187 1496``
(one epoch is 187 batches; 1,496 is the CPU profile's whole run of 8 epochs).
"""

import sys
import time

import numpy as np

from gan_utils import data


def main(counts: list[int]) -> None:
    images, _ = data.load_images("mnist", split="train")
    train_images = images[np.random.default_rng(0).permutation(len(images))[:24_000]]
    dataset = data.as_dataset(train_images, 128, seed=0)
    for n in counts:
        cpu, wall = time.process_time(), time.perf_counter()
        next(iter(dataset.repeat().skip(n)))
        print(f"skip {n} batches: {time.process_time() - cpu:.2f} CPU-s, "
              f"{time.perf_counter() - wall:.2f} s wall", flush=True)


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:]])
