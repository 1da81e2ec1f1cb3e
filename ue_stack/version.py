"""The package version, in a module of its own: ``cli``, ``ci`` and ``study`` read it without
importing the package face (``ue_stack/__init__`` imports ``api``, which imports them)."""

__version__ = "0.1.0"
