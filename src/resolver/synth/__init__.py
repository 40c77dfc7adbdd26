"""Synthetic customs/trade records with ground truth for entity resolution and screening."""

from resolver.synth.generator import generate
from resolver.synth.shipments import generate_shipments

__all__ = ["generate", "generate_shipments"]
