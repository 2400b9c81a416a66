"""Downstream evaluations of (post-processed) vectors: WiC, STS, supervised sentence tasks."""
