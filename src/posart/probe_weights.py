"""The position probe's weights on disk (safetensors), readable and splittable without torch.

A probe run writes every layer into one file (`save`: tensor `layer{l}`); `extract_layer`
then writes one file per layer (tensor `weight`), as the workflow's per-layer targets.
Both use torch's nn.Linear layout, (max_position, d): logits = vector @ weight.T, so
`torch.nn.Linear(d, max_position, bias=False).load_state_dict(safetensors.torch.load_file(path))`
restores a layer's probe. numpy only: splitting per layer stays a cheap job (no torch import).
"""

from __future__ import annotations

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

from posart.atomic import atomic_path


def save(weights: np.ndarray, path, metadata: dict[str, str]) -> None:
    """Probes (layers, d, P) -> one file, tensor `layer{l}` of shape (P, d) per layer."""
    tensors = {f"layer{layer}": np.ascontiguousarray(weights[layer].T, np.float32) for layer in range(len(weights))}
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata=metadata)


def extract_layer(all_layers, layer: int, path) -> None:
    """One layer of `save`'s file as its own file: tensor `weight` (P, d), the same metadata plus `layer`."""
    with safe_open(str(all_layers), framework="numpy") as source:
        if f"layer{layer}" not in source.keys():
            raise ValueError(f"{all_layers} has no probe for layer {layer} (it has {sorted(source.keys())})")
        tensor, metadata = source.get_tensor(f"layer{layer}"), source.metadata()
    with atomic_path(path) as tmp:
        save_file({"weight": tensor}, str(tmp), metadata={**metadata, "layer": str(layer)})


def load_layer(path) -> np.ndarray:
    """A layer file's probe as (d, P): column p scores position p."""
    return np.ascontiguousarray(load_file(str(path))["weight"].T)
