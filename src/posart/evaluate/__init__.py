"""Evaluations that read vectors from activation caches, layer by layer, raw or post-processed."""
