"""Training on several machines (MultiWorkerMirroredStrategy): who writes, who waits.

One copy of the program runs per machine. All of them train and save together (a
checkpoint of distributed variables needs collective ops), but only the chief writes the
run's files; the others write their checkpoint to a temporary folder and delete it
(TensorFlow's multi-worker pattern). On one machine every function here is trivial, so a
reader of the engine can skip this module.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import tensorflow as tf


def cluster(strategy):
    """The cluster (``TF_CONFIG``) a MultiWorkerMirroredStrategy trains on, else None.

    Only that strategy runs one copy of the program per machine; the others (TPUStrategy
    included, which drives all its hosts from one program) run one process, its own chief.
    """
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        resolver = strategy.cluster_resolver
        if resolver is not None and resolver.task_type:
            return resolver
    return None


def is_chief(found) -> bool:
    """Whether this process writes the run's files, in the cluster ``found`` (None: one
    machine, its own chief): the task "chief", or worker 0 when there is none (TensorFlow's
    rule)."""
    if found is None or found.task_type == "chief":
        return True
    return (found.task_type == "worker" and found.task_id == 0
            and "chief" not in found.cluster_spec().as_dict())


def worker_id(found) -> int:
    """This process's task index in the cluster ``found`` (0 on one machine)."""
    return 0 if found is None else int(found.task_id)


def worker_count(found) -> int:
    """How many processes (chief and workers) train together: 1 without a cluster."""
    if found is None:
        return 1
    jobs = found.cluster_spec().as_dict()
    return max(1, sum(len(jobs.get(job, ())) for job in ("chief", "worker")))


def any_worker(strategy, due: bool) -> bool:
    """Whether ``due`` holds on any worker (on one machine: ``due``): the workers' clocks
    differ, and they must save together, so they pool their answers in one all-reduce."""
    if worker_count(cluster(strategy)) == 1:
        return due
    votes = strategy.reduce(tf.distribute.ReduceOp.SUM, tf.constant(float(due)), axis=None)
    return float(votes) > 0


def save_on_worker(checkpoint: tf.train.Checkpoint, directory: Path, strategy,
                   step: int) -> None:
    """A non-chief worker's share of a save: write to a temporary folder, then delete it."""
    temporary = Path(directory) / f"workertemp_{worker_id(cluster(strategy))}"
    tf.train.CheckpointManager(checkpoint, str(temporary), max_to_keep=1).save(
        checkpoint_number=step)
    shutil.rmtree(temporary, ignore_errors=True)
