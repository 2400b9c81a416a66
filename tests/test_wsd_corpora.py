"""Readers of the sense-tagged corpora (SemCor tagfiles, Raganato's XML + gold keys, WordNet's
index.sense): hand-written files with known contents, their errors, and the real files."""

from __future__ import annotations

import io
import tarfile

import pandas as pd
import pytest

from posart.corpora.raganato import read_raganato
from posart.corpora.semcor import read_semcor
from posart.corpora.sense_tagged import key_pos
from posart.corpora.wordnet import index_sense_path, read_index_sense

TAGFILE = """<contextfile concordance=brown>
<context filename=br-x01 paras=yes>
<p pnum=1>
<s snum=1>
<wf cmd=ignore pos=DT>The</wf>
<wf cmd=done pos=NN lemma=year wnsn=2;1 lexsn=1:28:02::;1:28:01::>year</wf>
<wf cmd=done pos=VB lemma=take_place wnsn=1 lexsn=2:30:00::>took_place</wf>
<wf cmd=done pos=JJ lemma=such wnsn=0 lexsn=5:00:01:specified:00>such</wf>
<wf cmd=done pos=JJ lemma=only wnsn=1 lexsn=5:00:00:single(a):00>only</wf>
<wf cmd=done rdf= pos=NN ot=notag>65</wf>
<punc>.</punc>
</s>
</p>
<p pnum=2>
<s snum=2>
<wf cmd=done sep="-" pos=NN lemma=town wnsn=1 lexsn=1:15:00::>Town</wf>
<punc>&</punc>
</s>
</p>
</context>
</contextfile>
"""


def write_archive(path, files: dict[str, str]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_key_pos():
    assert [key_pos(k) for k in ("a%1:0", "b%2:0", "c%3:0", "d%4:0", "e%5:0")] == ["n", "v", "a", "r", "a"]
    for bad in ("bank", "%1:14:00::", "bank%6:00:00::"):
        with pytest.raises(ValueError, match="not a WordNet sense key"):
            key_pos(bad)


def test_semcor_tagfile(tmp_path):
    archive = tmp_path / "semcor.tar.gz"
    write_archive(archive, {"semcor3.0/README.semcor3.0": "not a tagfile", "semcor3.0/brown1/tagfiles/br-x01": TAGFILE})
    corpus = read_semcor(archive)
    first, second = "The year took place such only 65 .", "Town &"
    assert corpus.values.tolist() == [
        ["brown1/br-x01.s1.t0", "brown1/br-x01.s1", first, 1, 2, "year", "n", "year%1:28:02:: year%1:28:01::"],
        ["brown1/br-x01.s1.t1", "brown1/br-x01.s1", first, 2, 4, "take_place", "v", "take_place%2:30:00::"],
        # such: wnsn=0 (no WordNet 3.0 sense) is dropped; only: the `(a)` marker is removed
        ["brown1/br-x01.s1.t2", "brown1/br-x01.s1", first, 5, 6, "only", "a", "only%5:00:00:single:00"],
        ["brown1/br-x01.s2.t0", "brown1/br-x01.s2", second, 0, 1, "town", "n", "town%1:15:00::"],
    ]


@pytest.mark.parametrize(
    "line, problem",
    [
        ("<wf cmd=done pos=NN lemma=year wnsn=1;2 lexsn=1:28:02::>year</wf>", "differ in length"),
        ("<wf cmd=done pos=NN wnsn=1 lexsn=1:28:02::>year</wf>", "lexsn without lemma"),
        ("<wf cmd=done pos=NN lemma=year wnsn=1 lexsn=9:28:02::>year</wf>", "not a WordNet sense key"),
        ("<wf cmd=done pos=NN>year", "not a <wf>"),
    ],
)
def test_semcor_errors_name_member_and_line(tmp_path, line, problem):
    archive = tmp_path / "semcor.tar.gz"
    write_archive(archive, {"semcor3.0/brown2/tagfiles/br-y01": f"<s snum=1>\n{line}\n</s>\n"})
    with pytest.raises(ValueError, match=f"br-y01:2: .*{problem}"):
        read_semcor(archive)


def test_semcor_structure_errors(tmp_path):
    archive = tmp_path / "semcor.tar.gz"
    write_archive(archive, {"semcor3.0/brown2/tagfiles/br-y01": "<wf cmd=ignore pos=DT>The</wf>\n"})
    with pytest.raises(ValueError, match="br-y01:1: outside a sentence"):
        read_semcor(archive)
    write_archive(archive, {"semcor3.0/brown2/tagfiles/br-y01": "<s snum=1>\n<punc>.</punc>\n"})
    with pytest.raises(ValueError, match="not closed"):
        read_semcor(archive)
    write_archive(archive, {"semcor3.0/README": "x"})
    with pytest.raises(ValueError, match="no .*tagfiles"):
        read_semcor(archive)
    with pytest.raises(FileNotFoundError, match="missing.tar.gz"):
        read_semcor(tmp_path / "missing.tar.gz")


XML = """<?xml version="1.0" encoding="UTF-8" ?>
<corpus lang="en" source="demo">
<text id="d000">
<sentence id="d000.s000">
<wf lemma="the" pos="DET">The</wf>
<instance id="d000.s000.t000" lemma="bank" pos="NOUN">bank</instance>
<instance id="d000.s000.t001" lemma="belong_to" pos="VERB">belongs to</instance>
<wf lemma="us" pos="PRON">us</wf>
</sentence>
<sentence id="d000.s001">
<instance id="d000.s001.t000" lemma="Quickly" pos="ADV">Quickly</instance>
</sentence>
</text>
</corpus>
"""
GOLD = "d000.s000.t000 bank%1:14:00:: bank%1:17:01::\nd000.s000.t001 belong_to%2:42:00::\nd000.s001.t000 quickly%4:02:00::\n"


def write_set(tmp_path, xml=XML, gold=GOLD):
    (tmp_path / "s.data.xml").write_text(xml)
    (tmp_path / "s.gold.key.txt").write_text(gold)
    return tmp_path / "s.data.xml", tmp_path / "s.gold.key.txt"


def test_raganato(tmp_path):
    corpus = read_raganato(*write_set(tmp_path))
    first = "The bank belongs to us"
    assert corpus.values.tolist() == [
        ["d000.s000.t000", "d000.s000", first, 1, 2, "bank", "n", "bank%1:14:00:: bank%1:17:01::"],
        ["d000.s000.t001", "d000.s000", first, 2, 4, "belong_to", "v", "belong_to%2:42:00::"],
        ["d000.s001.t000", "d000.s001", "Quickly", 0, 1, "quickly", "r", "quickly%4:02:00::"],
    ]


def test_raganato_errors(tmp_path):
    with pytest.raises(ValueError, match=r"s.data.xml:6: instance d000.s000.t000 has no gold key"):
        read_raganato(*write_set(tmp_path, gold=GOLD.split("\n", 1)[1]))
    with pytest.raises(ValueError, match=r"s.data.xml:6: .*gold key bank%2:14:00::"):
        read_raganato(*write_set(tmp_path, gold=GOLD.replace("bank%1:14", "bank%2:14")))
    with pytest.raises(ValueError, match=r"gold ids name no instance"):
        read_raganato(*write_set(tmp_path, gold=GOLD + "d009.s000.t000 bank%1:14:00::\n"))
    with pytest.raises(ValueError, match=r"s.gold.key.txt:2: expected at least 2"):
        read_raganato(*write_set(tmp_path, gold=GOLD.replace(" belong_to%2:42:00::", "")))
    with pytest.raises(ValueError, match=r"s.data.xml:8: .*pos 'PRON'"):
        read_raganato(
            *write_set(
                tmp_path,
                xml=XML.replace('lemma="us" pos="PRON">us</wf>', 'id="x" lemma="us" pos="PRON">us</instance>').replace(
                    "<wf id", "<instance id"
                ),
            )
        )
    with pytest.raises(ValueError, match=r"s.data.xml:\d+: not well-formed"):
        read_raganato(*write_set(tmp_path, xml=XML.replace("</sentence>", "", 1)))


def test_index_sense(tmp_path):
    path = tmp_path / "index.sense"
    path.write_text("bank%1:14:00:: 08420278 2 20\nbank%1:17:01:: 09213565 1 25\nfast%5:00:00:quick:00 00976508 2 3\n")
    frame = read_index_sense(path)
    assert frame.values.tolist() == [
        ["bank%1:14:00::", "bank", "n", "08420278", 2, 20],
        ["bank%1:17:01::", "bank", "n", "09213565", 1, 25],
        ["fast%5:00:00:quick:00", "fast", "a", "00976508", 2, 3],
    ]
    path.write_text("bank%1:14:00:: 08420278 2 20\nbank%1:14:00:: 08420278 2 20\n")
    with pytest.raises(ValueError, match="index.sense:2: sense key bank%1:14:00:: listed twice"):
        read_index_sense(path)
    path.write_text("bank%1:14:00:: 0842 2 20\n")
    with pytest.raises(ValueError, match="index.sense:1: synset offset"):
        read_index_sense(path)
    with pytest.raises(FileNotFoundError, match="apt-get install wordnet-base wordnet-sense-index"):
        index_sense_path(tmp_path / "nowhere")


# --- the real files ------------------------------------------------------------------------

RAGANATO_SETS = {
    "senseval2": 2282,
    "senseval3": 1850,
    "semeval2007": 455,
    "semeval2013": 1644,
    "semeval2015": 1022,
    "ALL": 7253,
}


@pytest.fixture(scope="module")
def wordnet_index(wordnet_dir):
    return read_index_sense(index_sense_path(wordnet_dir))


def raganato_set(shared_data, name):
    folder = shared_data / "WSD/WSD_Evaluation_Framework/Evaluation_Datasets" / name
    return read_raganato(folder / f"{name}.data.xml", folder / f"{name}.gold.key.txt")


@pytest.mark.realdata
def test_real_semcor(shared_data, wordnet_index):
    corpus = read_semcor(shared_data / "WSD/semcor3.0.tar.gz")
    files = corpus.sentence_id.str.rsplit(".", n=1).str[0].drop_duplicates()
    assert len(files) == 352
    assert files.str.split("/").str[0].value_counts().to_dict() == {"brown1": 103, "brown2": 83, "brownv": 166}
    assert corpus.id.is_unique
    keys = corpus["keys"].str.split().explode()
    assert keys.isin(set(wordnet_index.key)).all(), "every kept SemCor key is a WordNet 3.0 sense"
    assert (corpus.stop - corpus.start > 1).sum() > 10_000  # multiword units
    assert corpus["keys"].str.contains(" ").sum() > 500  # several keys
    words = corpus.text.str.split()
    assert all(w[a] for w, a in zip(words, corpus.start)) and (corpus.stop <= words.str.len()).all()
    print(
        f"SemCor: {corpus.sentence_id.nunique()} sentences with a tagged word, {len(corpus)} tagged units, "
        f"{len(keys)} keys"
    )


@pytest.mark.realdata
def test_real_raganato_sets(shared_data, wordnet_index):
    known = set(wordnet_index.key)
    sets = {name: raganato_set(shared_data, name) for name in RAGANATO_SETS}
    for name, corpus in sets.items():
        assert len(corpus) == RAGANATO_SETS[name]
        assert (corpus["keys"].str.len() > 0).all()
        assert corpus["keys"].str.split().explode().isin(known).all()
    assert sets["ALL"]["keys"].str.split().explode().nunique() == 3669
    # ALL is the concatenation of the five sets: same texts, spans, lemmas and gold keys
    columns = ["id", "text", "start", "stop", "lemma", "pos", "keys"]
    parts = [sets[name].assign(id=name + "." + sets[name].id)[columns] for name in RAGANATO_SETS if name != "ALL"]
    assert sets["ALL"][columns].equals(pd.concat(parts, ignore_index=True))
