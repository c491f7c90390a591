"""Media: ffmpeg-backed probe, frames, audio fitting and composition."""
