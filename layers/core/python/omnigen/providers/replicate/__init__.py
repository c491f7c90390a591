"""Replicate providers: GPT-4o, Kling v2.5 Turbo Pro, MiniMax Music 1.5, a TTS voice."""
