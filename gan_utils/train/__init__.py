"""One resumable GAN training engine for every notebook, in modules a learner can read.

- :mod:`~gan_utils.train.step`: one training step as a plain function, two ways
  (``alternating_step``, written out in notebook 05; ``simultaneous_step``, the TF
  tutorial's), with one extension point, ``extra_loss``;
- :mod:`~gan_utils.train.loop`: :class:`GANTrainer`, which compiles the step, draws its
  noise, records the losses and calls the callbacks;
- :mod:`~gan_utils.train.callbacks`: what happens around the steps, each at its own
  cadence: :class:`SampleGrid`, :class:`WeightAverage`, :class:`FIDTracker`,
  :class:`GifFrames`, :class:`ProgressBar`; beside them :class:`Checkpoint` (exact resume,
  :mod:`~gan_utils.train.checkpoint`), :class:`TensorBoard`, :class:`LinearDecay`;
- :mod:`~gan_utils.train.infogan`: InfoGAN's code as an ``extra_loss``;
- :mod:`~gan_utils.train.distributed`: several machines (skip it on one).

A notebook needs only ``from gan_utils import train``::

    trainer = train.GANTrainer(G, D, latent_dim=100, callbacks=[
        train.SampleGrid(every=500), train.WeightAverage(0.999),
        train.Checkpoint(runtime.runs_dir() / "run1")])
    trainer.fit(dataset, epochs=5)   # rerun after a crash: it resumes
"""

from gan_utils.train import callbacks, checkpoint, loop, step
from gan_utils.train.callbacks import (
    Callback,
    FIDTracker,
    GifFrames,
    LambdaCallback,
    ProgressBar,
    SampleGrid,
    WeightAverage,
)
from gan_utils.train.checkpoint import Checkpoint
from gan_utils.train.loop import HISTORY_KEYS, UPDATES, GANTrainer, TrainingDiverged
from gan_utils.train.schedules import LinearDecay
from gan_utils.train.tensorboard import TensorBoard

__all__ = ["Callback", "Checkpoint", "FIDTracker", "GANTrainer", "GifFrames", "HISTORY_KEYS",
           "LambdaCallback", "LinearDecay", "ProgressBar", "SampleGrid", "TensorBoard",
           "TrainingDiverged",
           "UPDATES", "WeightAverage", "callbacks", "checkpoint", "loop", "step"]
