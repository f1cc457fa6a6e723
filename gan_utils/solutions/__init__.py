"""Expected answers to the notebooks' exercises, computed (by Keras, NumPy, gan_utils)."""
