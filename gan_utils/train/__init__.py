"""One resumable GAN training engine for every notebook, in three modules a learner can read.

- :mod:`~gan_utils.train.step`: one training step as a plain function, two ways
  (``alternating_step``, notebook 04's; ``simultaneous_step``, the TF tutorial's);
- :mod:`~gan_utils.train.loop`: :class:`GANTrainer`, which compiles the step, draws its
  noise, records the losses and calls the callbacks;
- :mod:`~gan_utils.train.callbacks`: everything around the steps, each at its own
  cadence: :class:`SampleGrid`, :class:`WeightAverage`, :class:`Checkpoint` (exact
  resume), :class:`FIDTracker`, :class:`GifFrames`, :class:`TensorBoard`.

A notebook needs only ``from gan_utils import train``::

    trainer = train.GANTrainer(G, D, latent_dim=100, callbacks=[
        train.SampleGrid(every=500), train.WeightAverage(0.999),
        train.Checkpoint(runtime.runs_dir() / "run1")])
    trainer.fit(dataset, epochs=5)   # rerun after a crash: it resumes
"""

from gan_utils.train import callbacks, loop, step
from gan_utils.train.callbacks import (
                                       Callback,
                                       Checkpoint,
                                       FIDTracker,
                                       GifFrames,
                                       LambdaCallback,
                                       ProgressBar,
                                       SampleGrid,
                                       TensorBoard,
                                       WeightAverage,
)
from gan_utils.train.loop import HISTORY_KEYS, UPDATES, GANTrainer, TrainingDiverged
from gan_utils.train.schedules import LinearDecay

__all__ = ["Callback", "Checkpoint", "FIDTracker", "GANTrainer", "GifFrames", "HISTORY_KEYS",
           "LambdaCallback", "LinearDecay", "ProgressBar", "SampleGrid", "TensorBoard",
           "TrainingDiverged",
           "UPDATES", "WeightAverage", "callbacks", "loop", "step"]
