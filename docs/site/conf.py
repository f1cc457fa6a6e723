"""Sphinx configuration of the course website (built by scripts/docs/build_site.py, not by hand).

scripts/docs/build_site.py copies this file, _static/, the notebooks and pages made from the
README into a source folder, then runs Sphinx with two environment variables:

- GAN_SITE_EXECUTION: "cache" (myst-nb executes each notebook whose code changed and keeps
  its outputs in a jupyter-cache folder) or "off" (the notebooks arrive already executed);
- GAN_SITE_CACHE: the jupyter-cache folder for "cache".

Everything a page needs is served from the site itself, nothing from a CDN: MathJax 3 comes
from the sphinx-mathjax-offline package (a PyPI package, so requirements.txt stays the one
list of dependencies and no Node.js toolchain is needed; it copies MathJax's tex-chtml
bundle and its woff fonts into _static and points Sphinx's mathjax_path there), the
theme's fonts and icons come with sphinx-book-theme, and ipywidgets' JavaScript is not
loaded at all (a static page cannot run a widget; gan_utils.widgets adds a picture of
each instead, see GAN_UTILS_STATIC_SITE).
"""

import functools
import os

from jupyter_cache.executors import utils as jupyter_cache_utils

# myst-nb executes through jupyter-cache, which gives each kernel nbclient's 60 s to start;
# a busy 2-core machine can exceed that (TensorFlow's imports beside other jobs): 10 minutes.
jupyter_cache_utils.executenb = functools.partial(jupyter_cache_utils.executenb,
                                                  startup_timeout=600)

project = "Generative adversarial networks, from densities to DCGANs"
author = "the open GAN course"
copyright = "the open GAN course contributors"

extensions = ["myst_nb", "sphinx.ext.mathjax", "sphinx-mathjax-offline"]
exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints", "runs", "figures"]

# MyST: $...$ and $$...$$ math as the notebooks write it; <img> and <details> as HTML.
myst_enable_extensions = ["dollarmath", "amsmath", "html_image", "html_admonition"]
myst_heading_anchors = 3

# myst-nb: execution (see the module docstring) and rendering.
nb_execution_mode = os.environ.get("GAN_SITE_EXECUTION", "off")
nb_execution_cache_path = os.environ.get("GAN_SITE_CACHE", "")
nb_execution_timeout = -1  # full-size cells train for tens of minutes on a 2-core CPU
nb_execution_in_temp = True  # each notebook alone in an empty folder, as on Colab and in CI
nb_execution_raise_on_error = True  # a failing notebook fails the build
nb_ipywidgets_js = {}  # no widget JavaScript from a CDN (the default loads it from one)
nb_merge_streams = True
# A kernel's stderr holds TensorFlow's start-up logs (no CUDA driver, absl), nothing
# a reader needs; printed results are stdout and stay.
nb_output_stderr = "remove"

html_theme = "sphinx_book_theme"
html_title = "GANs, from densities to DCGANs"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_last_updated_fmt = None
html_theme_options = {
    "repository_url": "https://github.com/open-gan-course/gan-course",
    "repository_branch": "main",
    "use_repository_button": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
html_show_sourcelink = False
suppress_warnings = ["mystnb.unknown_mime_type"]
