"""Expected answers of the notebooks' exercises, one module per notebook topic, computed
(by Keras, NumPy or the lesson's own objects), never typed in."""
