"""Expected answers of the notebooks' exercises, computed, never typed in."""
