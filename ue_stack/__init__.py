"""ue_stack: a 5G UE protocol stack model for checking how NAS and upper layers interact.

The protocol logic (``nas``, ``app``, ``network``) is synchronous sans-I/O code; ``bus``
is the only module that awaits and the only one that logs.
"""

__version__ = "0.1.0"
