"""fairseq plugin (`--user-dir`): RoBERTa-base without token position embeddings.

fairseq 0.12's RoBERTa still honours `no_token_positional_embeddings` (its encoder then has
no position module at all) but no longer offers `--no-token-positional-embeddings` on its
command line, which the paper's older fairseq did. Registering an architecture that sets it
is fairseq's own extension mechanism. fairseq imports this directory as a top-level module
named `posart_fairseq`; posart itself never imports it (it needs fairseq).
"""

from fairseq.models import register_model_architecture
from fairseq.models.roberta.model import roberta_base_architecture

ARCH = "roberta_base_nope"


@register_model_architecture("roberta", ARCH)
def roberta_base_nope(args):
    args.no_token_positional_embeddings = True
    roberta_base_architecture(args)
