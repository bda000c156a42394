"""Analytics history as tidy interval tables, and the estimates staffing models need.

:func:`fetch_history` turns conversation aggregates into one DataFrame per interval × queue ×
media type (cached on disk); :func:`handle_time_distribution` bins handle or wait times; the
estimators :func:`arrival_rate`, :func:`aht` and :func:`patience` reduce a history table to the
inputs of ``routingkit.capacity``. Tables use analytics media names (``voice``, not ``call``)
and seconds throughout.
"""

from .cache import default_directory as default_cache_dir
from .distribution import DEFAULT_BINS_SECONDS, handle_time_distribution
from .estimators import aht, arrival_rate, patience
from .history import fetch_history
from .intervals import GRANULARITIES
from .media import MEDIA_TYPES
from .table import COLUMNS
from .week import typical_week

__all__ = [
    "COLUMNS",
    "DEFAULT_BINS_SECONDS",
    "GRANULARITIES",
    "MEDIA_TYPES",
    "aht",
    "arrival_rate",
    "default_cache_dir",
    "fetch_history",
    "handle_time_distribution",
    "patience",
    "typical_week",
]
