"""A local fake of Replicate's HTTP API for the adapter, pipeline and benchmark tests."""

from fake_replicate.receiver import serve_receiver
from fake_replicate.server import DEFAULT_LATENCY_S, TOKEN, FakePrediction, FakeReplicate, sign

__all__ = ["DEFAULT_LATENCY_S", "TOKEN", "FakePrediction", "FakeReplicate", "serve_receiver", "sign"]
