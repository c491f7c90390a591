"""Cost and time before anything is generated, and the price of every model call.

- `table`: the price table (`omnigen/pricing.yaml`): prices, typical latencies, the scene plan.
- `estimate`: the estimate for a brief, timed on the pipeline's own schedule.
- `report`: the estimate as a table for a terminal.
"""

from omnigen.pricing.estimate import Estimate, EstimateLine, estimate, planned_script
from omnigen.pricing.report import format_estimate
from omnigen.pricing.table import PRICING_FILE, ModelPrice, PriceTable, call_cost, kling_clip_seconds, load_prices

__all__ = [
    "PRICING_FILE",
    "Estimate",
    "EstimateLine",
    "ModelPrice",
    "PriceTable",
    "call_cost",
    "estimate",
    "format_estimate",
    "kling_clip_seconds",
    "load_prices",
    "planned_script",
]
