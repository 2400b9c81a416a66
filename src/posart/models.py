"""Load any Hugging Face encoder by registry entry, and identify exactly which weights ran.

A registry entry is `{source: package|hf|path, id, revision}` (see schemas/config.schema.yaml).
`package` resolves a model directory shipped inside an installed Python package (offline),
`hf` a hub id at a pinned revision, `path` a local Hugging Face directory. Everything
downstream is keyed by the registry *name*, never by these details.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any, Mapping

import torch
from safetensors import SafetensorError
from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

import posart.pretrain.nope  # noqa: F401  (registers model_type "posart-roberta-nope" with the Auto classes)
from posart.architectures import position_offset

# Which directory an entry names lives in posart.identity (light enough for DAG-build time).
from posart.identity import ModelLoadError, package_model_dir, resolve  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)


@dataclass
class LoadedModel:
    name: str
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    location: str
    revision: str
    weight_hash: str
    max_length: int

    @property
    def n_layers(self) -> int:
        """Hidden-state layers including layer 0, the embedding output (configs map the names)."""
        return self.model.config.num_hidden_layers + 1

    @property
    def dim(self) -> int:
        return self.model.config.hidden_size


def weight_hash(model: torch.nn.Module) -> str:
    """sha256 over parameter names and bytes: identifies the weights whatever the file format."""
    digest = hashlib.sha256()
    for key, tensor in sorted(model.state_dict().items()):
        digest.update(key.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def model_max_length(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> int:
    """The longest input (in tokens, specials included) the model accepts."""
    limits = [tokenizer.model_max_length] if tokenizer.model_max_length < 1_000_000 else []
    positions = getattr(model.config, "max_position_embeddings", None)
    if positions:
        limits.append(positions - position_offset(model.config))
    if not limits:
        raise ModelLoadError("cannot tell the model's maximum input length; set encode.max_length")
    return min(limits)


def load(name: str, entry: Mapping[str, Any], device: str = "cpu") -> LoadedModel:
    """Load model and fast tokenizer for a registry entry, in eval mode on `device`."""
    location, revision, kwargs = resolve(entry)
    try:
        tokenizer = AutoTokenizer.from_pretrained(location, **kwargs)
        model = AutoModel.from_pretrained(location, dtype=torch.float32, **kwargs)
    except OSError as error:
        if entry.get("source") == "hf":
            raise ModelLoadError(
                f"model {name!r}: cannot load {location!r} at revision {revision!r} from the "
                f"Hugging Face hub ({error}). Offline? Download it elsewhere "
                f"(`huggingface-cli download {location} --revision {revision} --local-dir DIR`), "
                f"copy DIR here and set models.{name} to {{source: path, path: DIR}}"
            ) from error
        raise ModelLoadError(f"model {name!r}: cannot load {location}: {error}") from error
    except ValueError as error:
        raise ModelLoadError(f"model {name!r}: unsupported model at {location}: {error}") from error
    except SafetensorError as error:  # not an OSError: a truncated or overwritten weights file
        raise ModelLoadError(
            f"model {name!r}: the weights in {location} are unreadable (truncated or "
            f"corrupt? {error}); restore the model directory"
        ) from error
    if not tokenizer.is_fast:
        raise ModelLoadError(f"model {name!r}: needs a fast tokenizer (offset mappings)")
    model.eval().to(device)
    return LoadedModel(
        name=name,
        model=model,
        tokenizer=tokenizer,
        location=location,
        revision=revision,
        weight_hash=weight_hash(model),
        max_length=model_max_length(model, tokenizer),
    )


def pick_device(requested: str) -> str:
    """`auto` means CUDA when present; an explicit device must be present, never a silent fallback."""
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    kind, _, index = requested.partition(":")
    if kind == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(
            f"encode.device is {requested!r}, but torch sees no CUDA device here "
            f"(torch {torch.__version__}, CUDA build: {torch.version.cuda or 'none'}); "
            f"use device: auto or cpu, or run on a GPU node"
        )
    if kind == "cuda" and index and int(index) >= torch.cuda.device_count():
        raise RuntimeError(
            f"encode.device is {requested!r}, but torch sees {torch.cuda.device_count()} CUDA "
            f"device(s) (cuda:0 ... cuda:{torch.cuda.device_count() - 1})"
        )
    if kind == "mps" and not torch.backends.mps.is_available():
        raise RuntimeError(f"encode.device is {requested!r}, but MPS (Apple GPU) is not available here")
    return requested
