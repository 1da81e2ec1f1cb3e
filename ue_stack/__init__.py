"""ue_stack: a 5G UE protocol stack model for checking how NAS and upper layers interact.

The public API (docs/README.md, and the README's example)::

    import ue_stack
    report = ue_stack.simulate("w1-defer-off", akma_defer=True)
    report.verdict, report.violations, report.to_dict()

``replay(paths, **options)``, ``check(paths)``, ``simulate(scenario, **options)`` return a
``Report``; ``import_capture(path, outdir, **credentials)`` an ``ImportReport``; unusable
input raises ``InputError``. The protocol logic (``nas``, ``app``, ``network``) is
synchronous sans-I/O code; ``bus`` is the only module that awaits and the only one that
logs.
"""

from .api import ImportReport, Report, check, import_capture, replay, simulate
from .errors import InputError
from .version import __version__

__all__ = [
    "ImportReport",
    "InputError",
    "Report",
    "__version__",
    "check",
    "import_capture",
    "replay",
    "simulate",
]
