"""Build the demo treebank demo/data/nltk_data/corpora/treebank.zip (NLTK's layout).

The trees below were written for this demo (none comes from the Penn Treebank), in the
PTB's bracketing style: function tags, punctuation, traces and other empty elements
(`-NONE-`), a currency sign, and a one-word fragment, so that the reader's cleaning is
exercised. The zip holds `treebank/combined/wsj_99NN.mrg` like NLTK's sample (file
numbers 99NN do not exist in the real sample). Byte-reproducible: members are sorted and
dated 1980-01-01. Run from the repository root:

    python demo/make_treebank.py

then refresh demo/data/SHA256SUMS (see demo/data/README.md).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "nltk_data" / "corpora" / "treebank.zip"

TREES = {
    "wsj_9901.mrg": [
        "(S (NP-SBJ (DT The) (JJ old) (NN lighthouse)) (VP (VBZ stands) (PP-LOC (IN on) (NP (DT a) (JJ rocky) "
        "(NN island)))) (. .))",
        "(S (NP-SBJ (NNP Anna)) (VP (VBD baked) (NP (NP (DT a) (NN loaf)) (PP (IN of) (NP (NN rye) (NN bread)))) "
        "(PP-TMP (IN for) (NP (NN breakfast)))) (. .))",
        "(S (NP-SBJ (DT The) (NN museum)) (VP (MD will) (VP (VB open) (NP (DT a) (JJ new) (NN gallery)) "
        "(NP-TMP (JJ next) (NN month)))) (. .))",
        "(S (NP-SBJ-1 (DT The) (NN bridge)) (VP (VBD was) (VP (VBN built) (NP (-NONE- *-1)) (PP-TMP (IN in) "
        "(NP (CD 1890))))) (. .))",
        "(S (NP-SBJ (PRP We)) (VP (VBD walked) (PP-DIR (IN along) (NP (DT the) (NN beach))) (SBAR-TMP (IN until) "
        "(S (NP-SBJ (DT the) (NN sun)) (VP (VBD set))))) (. .))",
        "(S (NP-SBJ (DT The) (NN ticket)) (VP (VBZ costs) (NP ($ $) (CD 12) (-NONE- *U*))) (. .))",
        "(S (NP-SBJ (NP (DT The) (NNS students)) (PP (IN in) (NP (DT the) (NN library)))) (VP (VBD read) "
        "(ADVP-MNR (RB quietly))) (. .))",
        "(SQ (VBZ Is) (NP-SBJ (DT the) (NN train)) (ADJP-PRD (JJ late)) (ADVP-TMP (RB again)) (. ?))",
        "(S (NP-SBJ (PRP She)) (VP (VBD said) (SBAR (-NONE- 0) (S (NP-SBJ (DT the) (NN garden)) (VP (VBD needed) "
        "(NP (NN rain)))))) (. .))",
        "(S (NP-SBJ (NP (DT A) (NN cup)) (PP (IN of) (NP (JJ hot) (NN tea)))) (VP (VBZ helps) (S (VP (VB warm) "
        "(NP (PRP you)) (PRT (RP up))))) (. .))",
    ],
    "wsj_9902.mrg": [
        "(S (PP-LOC (IN In) (NP (DT the) (NN valley))) (, ,) (NP-SBJ (NNS farmers)) (VP (VBP grow) (NP (NNS apples) "
        "(CC and) (NNS pears))) (. .))",
        "(S (NP-SBJ (DT The) (NN choir)) (VP (VBD sang) (NP (CD three) (NNS songs)) (PP-TMP (IN before) "
        "(NP (DT the) (NN break)))) (. .))",
        "(S (NP-SBJ (PRP$ My) (NN neighbour)) (VP (VBZ repairs) (NP (JJ old) (NNS bicycles)) (PP-LOC (IN in) "
        "(NP (PRP$ his) (NN garage)))) (. .))",
        "(S (NP-SBJ (DT The) (NNS scientists)) (VP (VBD measured) (NP (NP (DT the) (NN temperature)) (PP (IN of) "
        "(NP (DT the) (NN lake)))) (NP-TMP (DT every) (NN hour))) (. .))",
        "(S (`` ``) (S-TPC-1 (NP-SBJ (DT The) (NN soup)) (VP (VBZ is) (ADJP-PRD (RB too) (JJ salty)))) (, ,) "
        "('' '') (NP-SBJ (DT the) (NN critic)) (VP (VBD wrote) (SBAR (-NONE- 0) (S (-NONE- *T*-1)))) (. .))",
        "(S (NP-SBJ (DT The) (NN storm)) (VP (VBD knocked) (PRT (RP down)) (NP (NP (JJ several) (NNS trees)) "
        "(PP-LOC (IN near) (NP (DT the) (NN school))))) (. .))",
        "(S (NP-SBJ (NNS Visitors)) (VP (MD can) (VP (VB rent) (NP (NNS boats)) (PP (IN at) (NP (DT the) "
        "(NN harbour))))) (. .))",
        "(S (NP-SBJ (DT The) (NN film)) (VP (VBD lasted) (NP (QP (RB nearly) (CD three)) (NNS hours))) (. .))",
        "(FRAG (INTJ (UH Thanks)) (. !))",
        "(S (NP-SBJ (PRP They)) (VP (VBD moved) (PP-DIR (TO to) (NP (DT a) (JJ small) (NN town))) (PP-DIR (IN by) "
        "(NP (DT the) (NN coast)))) (. .))",
    ],
}


def mrg(trees: list[str]) -> bytes:
    """PTB's file layout: each tree in an unlabelled outer bracket, split after its first constituent."""
    out = []
    for tree in trees:
        head, _, rest = tree.partition(" (")
        out.append(f"( {head} \n    ({rest} )\n")
    return "".join(out).encode("utf-8")


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(OUT, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(TREES):
            info = zipfile.ZipInfo(f"treebank/combined/{name}", (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, mrg(TREES[name]))


if __name__ == "__main__":
    main()
