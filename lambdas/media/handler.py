"""The media Lambda (container image with ffmpeg): the same step dispatcher as the zip steps
Lambda, given the steps that need ffmpeg or Pillow (make_keyframes, render_scene, make_music, make_voiceover,
compose)."""

from lambdas.steps import handler

__all__ = ["handler"]
