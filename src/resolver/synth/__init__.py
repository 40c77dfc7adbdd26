"""Synthetic customs/trade records with ground truth for entity resolution and screening."""

from resolver.synth.generator import generate

__all__ = ["generate"]
