"""Per-architecture access to embedding tables and LayerNorms, checked against state_dict names.

The expected names below are written from transformers' modeling files, independently of
posart.architectures, and compared with what the accessors return on tiny random models.
"""

import numpy as np
import pytest
import torch
import transformers as tf

from posart import architectures, models
from tiny_models import ARCHITECTURES, NO_POSITION_TABLE, build

BERT_NORMS = (
    "embeddings.LayerNorm",
    "encoder.layer.{i}.attention.output.LayerNorm",
    "encoder.layer.{i}.output.LayerNorm",
)
EXPECTED = {  # kind -> state_dict key (None: the model has no such table); norms; first position row used
    "bert": (
        {
            "position": "embeddings.position_embeddings.weight",
            "segment": "embeddings.token_type_embeddings.weight",
            "token": "embeddings.word_embeddings.weight",
        },
        BERT_NORMS,
        0,
    ),
    "roberta": (
        {
            "position": "embeddings.position_embeddings.weight",
            "segment": "embeddings.token_type_embeddings.weight",
            "token": "embeddings.word_embeddings.weight",
        },
        BERT_NORMS,
        2,
    ),
    "distilbert": (
        {
            "position": "embeddings.position_embeddings.weight",
            "segment": None,
            "token": "embeddings.word_embeddings.weight",
        },
        ("embeddings.LayerNorm", "transformer.layer.{i}.sa_layer_norm", "transformer.layer.{i}.output_layer_norm"),
        0,
    ),
    "mpnet": (
        {
            "position": "embeddings.position_embeddings.weight",
            "segment": None,
            "token": "embeddings.word_embeddings.weight",
        },
        ("embeddings.LayerNorm", "encoder.layer.{i}.attention.LayerNorm", "encoder.layer.{i}.output.LayerNorm"),
        2,
    ),
    "electra": (
        {
            "position": "embeddings.position_embeddings.weight",
            "segment": "embeddings.token_type_embeddings.weight",
            "token": "embeddings.word_embeddings.weight",
        },
        BERT_NORMS,
        0,
    ),
    "deberta-v2": ({"position": None, "segment": None, "token": "embeddings.word_embeddings.weight"}, BERT_NORMS, 0),
    "roformer": (
        {
            "position": None,
            "segment": "embeddings.token_type_embeddings.weight",
            "token": "embeddings.word_embeddings.weight",
        },
        BERT_NORMS,
        0,
    ),
}


def randomise(model: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Fresh models have gamma = 1 and beta = 0 (every rank tied); give every parameter its own value."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator))
    return model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """{arch: randomised loaded model}, built once for this module."""
    root = tmp_path_factory.mktemp("tiny")
    out = {}
    for arch in ARCHITECTURES + NO_POSITION_TABLE:
        loaded = models.load(arch, {"source": "path", "path": str(build(arch, root / arch))})
        randomise(loaded.model)
        out[arch] = loaded.model
    return out


def test_at_least_four_architectures_with_tables_and_two_without():
    assert len(ARCHITECTURES) >= 4 and set(NO_POSITION_TABLE) == {"deberta-v2", "roformer"}
    assert set(EXPECTED) == set(ARCHITECTURES + NO_POSITION_TABLE)


@pytest.mark.parametrize("arch", ARCHITECTURES + NO_POSITION_TABLE)
def test_embedding_tables_are_the_named_weights(tiny, arch):
    model = tiny[arch]
    state = model.state_dict()
    tables = architectures.embedding_tables(model)
    keys, _, offset = EXPECTED[arch]
    assert set(tables) == {"position", "segment", "token"}
    for kind, key in keys.items():
        if key is None:
            assert tables[kind] is None
        else:
            np.testing.assert_array_equal(tables[kind], state[key].numpy())
    assert architectures.position_offset(model.config) == offset


@pytest.mark.parametrize("arch", ARCHITECTURES + NO_POSITION_TABLE)
def test_layer_norms_are_the_named_parameters_in_layer_order(tiny, arch):
    model = tiny[arch]
    state = model.state_dict()
    _, (embedding, attention, output), _ = EXPECTED[arch]
    expected = [(0, "embedding", embedding)]
    for i in range(model.config.num_hidden_layers):
        expected += [(i + 1, "attention", attention.format(i=i)), (i + 1, "output", output.format(i=i))]
    norms = architectures.layer_norms(model)
    assert [(n.layer, n.role, n.path) for n in norms] == expected
    for norm in norms:
        np.testing.assert_array_equal(norm.gamma, state[f"{norm.path}.weight"].numpy())
        np.testing.assert_array_equal(norm.beta, state[f"{norm.path}.bias"].numpy())


def test_masked_lm_head_models_resolve_through_the_base_model(tmp_path):
    directory = build("roberta", tmp_path / "roberta")
    mlm = tf.AutoModelForMaskedLM.from_pretrained(directory)
    tables = architectures.embedding_tables(mlm)
    np.testing.assert_array_equal(
        tables["position"], mlm.roberta.embeddings.position_embeddings.weight.detach().numpy()
    )
    assert len(architectures.layer_norms(mlm)) == 1 + 2 * mlm.config.num_hidden_layers


def test_unknown_architecture_names_itself_and_the_known_ones():
    gpt2 = tf.AutoModel.from_config(tf.GPT2Config(n_layer=1, n_embd=8, n_head=2, vocab_size=10))
    with pytest.raises(architectures.UnsupportedArchitecture, match=r"'gpt2'.*known: .*bert.*roberta"):
        architectures.embedding_tables(gpt2)


def test_an_entry_that_does_not_fit_names_the_path(tiny, monkeypatch):
    broken = architectures.replace(architectures.ARCHITECTURES["bert"], output_norm="output.LayerNorm2")
    monkeypatch.setitem(architectures.ARCHITECTURES, "bert", broken)
    with pytest.raises(architectures.UnsupportedArchitecture, match=r"'output.LayerNorm2'.*'LayerNorm2'"):
        architectures.layer_norms(tiny["bert"])


def test_padding_offset_types_come_from_the_table_and_bound_the_input_length():
    assert {"roberta", "xlm-roberta", "camembert", "mpnet"} <= set(architectures.PADDING_OFFSET_POSITIONS)
    assert "bert" not in architectures.PADDING_OFFSET_POSITIONS
    config = tf.RobertaConfig(pad_token_id=1, max_position_embeddings=514)
    assert architectures.position_offset(config) == 2


def test_deberta_with_absolute_positions_has_a_table():
    """The same model_type may or may not have a table: the run-time None decides."""
    small = dict(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=9, vocab_size=20)
    with_table = tf.AutoModel.from_config(tf.DebertaV2Config(position_biased_input=True, **small))
    without = tf.AutoModel.from_config(tf.DebertaV2Config(position_biased_input=False, **small))
    assert architectures.embedding_tables(with_table)["position"].shape == (512, 8)
    assert architectures.embedding_tables(without)["position"] is None
