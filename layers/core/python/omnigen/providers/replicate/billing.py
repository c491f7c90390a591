"""Billing one Replicate call on the job: the one helper the four adapters use.

The price comes from the price table (`pricing.yaml`) by the model's `owner/name` (a pinned
version bills like its model). Billing happens after the call was paid for, so it never raises:
a model without a price (which the factory refuses at start, so only a table edited under a
running process gets here) is recorded at 0 USD with an error in the log naming what to fix.
"""

from __future__ import annotations

import logging

from omnigen.pricing import PRICING_FILE, call_cost
from omnigen.providers.ports import CallContext, ProviderCall
from omnigen.providers.replicate.client import Finished
from omnigen.providers.replicate.prediction import base_model

log = logging.getLogger(__name__)


def bill(
    ctx: CallContext, capability: str, done: Finished, quantity: float, output_quantity: float = 0.0
) -> ProviderCall:
    """Record the call `done` on the job: `quantity` units of the model's price (tokens in and
    `output_quantity` out for token-priced models). Returns what was recorded."""
    model = base_model(done.model)
    try:
        cost = call_cost(model, quantity, output_quantity)
    except (KeyError, ValueError) as err:
        log.error(
            "replicate %s: prediction %s was billed by Replicate but has no price here (%s); recorded at 0 USD — "
            "add it under replicate.prices in %s",
            model,
            done.id,
            err,
            PRICING_FILE,
        )
        cost = 0.0
    call = ProviderCall(
        capability=capability,
        model=done.model,
        prediction_id=done.id,
        predict_time_s=done.predict_time_s,
        cost_usd=cost,
    )
    ctx.record(call)
    return call
