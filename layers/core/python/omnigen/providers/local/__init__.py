"""Offline providers: no network, deterministic for a seed; the only model weights are the
Piper voice that an installed package ships."""
