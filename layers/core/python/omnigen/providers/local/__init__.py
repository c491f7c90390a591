"""Offline providers: no network, no model weights, deterministic for a seed."""
