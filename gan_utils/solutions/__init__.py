"""Expected answers of the notebooks' exercises, one module per notebook topic."""
