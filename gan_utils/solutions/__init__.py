"""Expected answers of the notebooks' exercises, computed from Keras and NumPy."""
