"""Expected answers to the notebooks' exercises, computed from the lesson's own objects."""
