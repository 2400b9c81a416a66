"""Build the demo WSD files: a SemCor-format archive, Raganato-format evaluation sets, and index.sense.

The sentences below were written for this demo (none comes from SemCor or the Senseval /
SemEval sets); their sense tags are real WordNet 3.0 sense keys. Outputs, in the real
layout under demo/data:
- `WSD/semcor3.0.tar.gz`: SemCor 3.0 tagfiles `semcor3.0/<concordance>/tagfiles/br-z0N`
  (Brown category "z" does not exist), one `<wf>`/`<punc>` per line, `wnsn` = the key's
  WordNet sense number, or 0 for a key WordNet 3.0 lacks (as SemCor marks lost senses);
  a multiword unit (`took_place`), a word with two keys, an untagged `cmd=tag` word.
- `WSD/WSD_Evaluation_Framework/Evaluation_Datasets/<set>/<set>.{data.xml,gold.key.txt}`
  for the five sets and ALL, their concatenation with ids prefixed by the set name.
- `wordnet/index.sense`: WordNet's own lines for every sense of every (lemma, part of
  speech) the demo uses, so the nearest-sense rule sees the full candidate list, and the
  demo runs without a system WordNet. It is extracted from a WordNet 3.0 `dict` folder
  (Debian: /usr/share/wordnet), and `wordnet/LICENSE` carries WordNet's licence.

Notation: a token is `word/TAG` (SemCor: Penn tag; evaluation sets: universal tag), a
tagged token adds `/key[;key]` (SemCor) or `/lemma/key[;key]` (evaluation sets);
underscores in a word join a multiword unit. Byte-reproducible (sorted tar members, fixed
times). Run from the repository root:

    python demo/make_wsd_data.py [/usr/share/wordnet]

then refresh demo/data/SHA256SUMS (see demo/data/README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from posart.archives import write_tar_gz

OUT = Path(__file__).resolve().parent / "data"
SETS = ("senseval2", "senseval3", "semeval2007", "semeval2013", "semeval2015")
PUNCTUATION = {".", ",", "?", "!", ":", ";"}
CLOSED_TAGS = {"DT", "IN", "PRP", "PRP$", "CC", "TO", "MD", "WDT", "WP", "WRB", "EX", "POS"}

SEMCOR = {
    "brown1/tagfiles/br-z01": [
        "The/DT bank/NN/bank%1:14:00:: raised/VBD its/PRP$ interest/NN rates/NNS on/IN Monday/NNP ./.",
        "She/PRP opened/VBD a/DT savings/NNS account/NN at/IN the/DT local/JJ bank/NN/bank%1:14:00:: ./.",
        "The/DT bank/NN/bank%1:14:00:: refused/VBD to/TO lend/VB money/NN to/TO the/DT new/JJ company/NN ./.",
        "We/PRP had/VBD a/DT picnic/NN on/IN the/DT grassy/JJ bank/NN/bank%1:17:01:: of/IN the/DT river/NN ./.",
        "The/DT boat/NN drifted/VBD slowly/RB toward/IN the/DT muddy/JJ bank/NN/bank%1:17:01:: ./.",
        "Children/NNS fished/VBD from/IN the/DT steep/JJ bank/NN/bank%1:17:01:: of/IN the/DT stream/NN ./.",
        "She/PRP waters/VBZ every/DT plant/NN/plant%1:03:00:: in/IN the/DT garden/NN each/DT morning/NN ./.",
        "This/DT plant/NN/plant%1:03:00:: needs/VBZ plenty/NN of/IN sunlight/NN and/CC rich/JJ soil/NN ./.",
        "The/DT tomato/NN plant/NN/plant%1:03:00:: grew/VBD taller/JJR than/IN the/DT fence/NN ./.",
        "The/DT car/NN plant/NN/plant%1:06:01:: employs/VBZ two/CD thousand/CD workers/NNS ./.",
        "A/DT new/JJ power/NN plant/NN/plant%1:06:01:: will/MD supply/VB electricity/NN to/TO the/DT city/NN ./.",
        "The/DT company/NN closed/VBD its/PRP$ steel/NN plant/NN/plant%1:06:01:: last/JJ year/NN ./.",
        "The/DT meeting/NN took_place/VBD/take_place%2:30:00:: near/IN the/DT old/JJ "
        "plant/NN/plant%1:06:01::;plant%1:03:00:: ./.",
        "Such/JJ/such%5:00:01:specified:00 storms/NNS rarely/RB reach/VBP the/DT bank/NN/bank%1:17:01:: "
        "of/IN the/DT lake/NN ./.",
    ],
    "brown2/tagfiles/br-z02": [
        "A/DT bat/NN/bat%1:05:00:: flew/VBD/fly%2:38:00:: out/IN of/IN the/DT dark/JJ cave/NN at/IN dusk/NN ./.",
        "The/DT bat/NN/bat%1:05:00:: hunts/VBZ insects/NNS at/IN night/NN ./.",
        "He/PRP swung/VBD the/DT bat/NN/bat%1:06:00:: and/CC hit/VBD the/DT ball/NN over/IN the/DT wall/NN ./.",
        "The/DT coach/NN bought/VBD a/DT new/JJ wooden/JJ bat/NN/bat%1:06:00:: for/IN the/DT team/NN ./.",
        "The/DT trees/NNS blossom/VBP every/DT spring/NN/spring%1:28:00:: ./.",
        "We/PRP plan/VBP to/TO travel/VB in/IN the/DT spring/NN/spring%1:28:00:: when/WRB the/DT weather/NN "
        "is/VBZ mild/JJ ./.",
        "The/DT village/NN gets/VBZ its/PRP$ water/NN from/IN a/DT cold/JJ spring/NN/spring%1:17:00:: in/IN "
        "the/DT hills/NNS ./.",
        "Hikers/NNS drank/VBD from/IN the/DT clear/JJ spring/NN/spring%1:17:00:: near/IN the/DT trail/NN ./.",
        "A/DT mouse/NN/mouse%1:05:00:: ran/VBD across/IN the/DT kitchen/NN floor/NN ./.",
        "The/DT cat/NN caught/VBD a/DT mouse/NN/mouse%1:05:00:: in/IN the/DT barn/NN ./.",
        "Click/VB the/DT icon/NN with/IN the/DT mouse/NN/mouse%1:06:00:: to/TO open/VB the/DT file/NN ./.",
        "My/PRP$ computer/NN mouse/NN/mouse%1:06:00:: stopped/VBD working/VBG after/IN the/DT update/NN ./.",
        "She/PRP wrote/VBD a/DT long/JJ letter/NN/letter%1:10:00:: to/TO her/PRP$ grandmother/NN ./.",
        "The/DT letter/NN/letter%1:10:00:: arrived/VBD by/IN post/NN this/DT morning/NN ./.",
        "The/DT word/NN begins/VBZ with/IN a/DT capital/JJ letter/NN/letter%1:10:01:: ./.",
        "Children/NNS learn/VBP each/DT letter/NN/letter%1:10:01:: of/IN the/DT alphabet/NN at/IN school/NN ./.",
    ],
    "brownv/tagfiles/br-z03": [
        "The/DT bark/NN/bark%1:20:00:: of/IN the/DT old/JJ oak/NN was/VBD rough/JJ and/CC thick/JJ ./.",
        "Beetles/NNS live/VBP under/IN the/DT bark/NN/bark%1:20:00:: of/IN dead/JJ trees/NNS ./.",
        "The/DT dog/NN gave/VBD a/DT loud/JJ bark/NN/bark%1:11:00:: at/IN the/DT stranger/NN ./.",
        "We/PRP heard/VBD a/DT bark/NN/bark%1:11:00:: from/IN the/DT yard/NN next/JJ door/NN ./.",
        "Geese/NNS fly/VBP/fly%2:38:00:: south/RB in/IN the/DT autumn/NN ./.",
        "The/DT eagle/NN flew/VBD/fly%2:38:00:: high/RB above/IN the/DT valley/NN ./.",
        "The/DT captain/NN flew/VBD/fly%2:38:01:: the/DT plane/NN through/IN the/DT storm/NN ./.",
        "She/PRP learned/VBD to/TO fly/VB/fly%2:38:01:: small/JJ aircraft/NN as/IN a/DT teenager/NN ./.",
        "The/DT room/NN was/VBD bright/JJ/bright%3:00:00:: and/CC warm/JJ in/IN the/DT afternoon/NN ./.",
        "A/DT bright/JJ/bright%3:00:00:: lamp/NN hung/VBD above/IN the/DT table/NN ./.",
        "She/PRP is/VBZ a/DT bright/JJ/bright%5:00:00:intelligent:00 student/NN who/WP learns/VBZ quickly/RB ./.",
        "The/DT bright/JJ/bright%5:00:00:intelligent:00 boy/NN solved/VBD the/DT puzzle/NN in/IN minutes/NNS ./.",
    ],
}

EVALUATION = {
    "senseval2": [
        "The/DET bank/NOUN/bank/bank%1:14:00:: approved/VERB/approve the/DET loan/NOUN for/ADP our/PRON house/NOUN ./.",
        "Ducks/NOUN/duck swam/VERB/swim near/ADP the/DET bank/NOUN/bank/bank%1:17:01:: of/ADP the/DET pond/NOUN ./.",
    ],
    "senseval3": [
        "The/DET workers/NOUN/worker at/ADP the/DET plant/NOUN/plant/plant%1:06:01:: went/VERB/go on/ADP "
        "strike/NOUN ./.",
        "I/PRON put/VERB the/DET plant/NOUN/plant/plant%1:03:00:: by/ADP the/DET sunny/ADJ window/NOUN ./.",
        "The/DET concert/NOUN took_place/VERB/take_place/take_place%2:30:00:: in/ADP the/DET "
        "spring/NOUN/spring/spring%1:28:00:: ./.",
    ],
    "semeval2007": [
        "The/DET pilot/NOUN flew/VERB/fly/fly%2:38:01:: the/DET jet/NOUN to/PRT Paris/NOUN/paris ./.",
        "Swallows/NOUN/swallow flew/VERB/fly/fly%2:38:00:: over/ADP the/DET fields/NOUN/field ./.",
    ],
    "semeval2013": [
        "He/PRON lit/VERB/light the/DET candle/NOUN with/ADP a/DET match/NOUN/match/match%1:06:00:: ./.",
        "Our/PRON team/NOUN won/VERB/win the/DET match/NOUN/match/match%1:11:00:: on/ADP Saturday/NOUN/saturday ./.",
        "A/DET bat/NOUN/bat/bat%1:05:00:: slept/VERB/sleep upside/ADV down/ADV in/ADP the/DET attic/NOUN ./.",
    ],
    "semeval2015": [
        "Move/VERB/move the/DET mouse/NOUN/mouse/mouse%1:06:00:: to/PRT select/VERB the/DET text/NOUN ./.",
        "The/DET letter/NOUN/letter/letter%1:10:00:: from/ADP the/DET bank/NOUN/bank/bank%1:14:00:: was/VERB/be "
        "short/ADJ ./.",
        "The/DET bright/ADJ/bright/bright%3:00:00::;bright%5:00:00:light:06 sun/NOUN warmed/VERB/warm the/DET "
        "bark/NOUN/bark/bark%1:20:00:: of/ADP the/DET trees/NOUN/tree ./.",
    ],
}
LICENSE_HEAD = (
    "WordNet 3.0 license (the lines of index.sense in this folder are WordNet's own;\n"
    "see the Debian package wordnet-base, /usr/share/doc/wordnet-base/copyright)\n\n"
)


def semcor_line(token: str, sense_numbers: dict[str, int]) -> str:
    word, tag, *keys = token.split("/")
    if tag in PUNCTUATION:
        return f"<punc>{word}</punc>"
    if not keys:
        return f"<wf cmd={'ignore' if tag in CLOSED_TAGS else 'tag'} pos={tag}>{word}</wf>"
    keys = keys[0].split(";")
    lemma = keys[0].partition("%")[0]
    numbers = ";".join(str(sense_numbers.get(key, 0)) for key in keys)
    lex = ";".join(key.partition("%")[2] for key in keys)
    return f"<wf cmd=done pos={tag} lemma={lemma} wnsn={numbers} lexsn={lex}>{word}</wf>"


def tagfile(name: str, sentences: list[str], sense_numbers: dict[str, int]) -> bytes:
    lines = ["<contextfile concordance=brown>", f"<context filename={name.rsplit('/', 1)[1]} paras=yes>", "<p pnum=1>"]
    for number, sentence in enumerate(sentences, start=1):
        lines.append(f"<s snum={number}>")
        lines.extend(semcor_line(token, sense_numbers) for token in sentence.split())
        lines.append("</s>")
    lines += ["</p>", "</context>", "</contextfile>", ""]
    return "\n".join(lines).encode("utf-8")


def raganato(sets: dict[str, list[str]], prefixed: bool) -> tuple[bytes, bytes]:
    """(data.xml, gold.key.txt) of the given sets; ids prefixed with the set name for ALL."""
    source = "-".join(sets) if prefixed else next(iter(sets))
    xml = ['<?xml version="1.0" encoding="UTF-8" ?>', f'<corpus lang="en" source="{source}">']
    gold = []
    for name, sentences in sets.items():
        text_id = f"{name}.d000" if prefixed else "d000"
        xml.append(f'<text id="{text_id}">')
        for s, sentence in enumerate(sentences):
            sentence_id = f"{text_id}.s{s:03d}"
            xml.append(f'<sentence id="{sentence_id}">')
            t = 0
            for token in sentence.split():
                word, tag, *rest = token.split("/")
                surface = escape(word.replace("_", " "))
                lemma = rest[0] if rest else word.lower()
                if len(rest) < 2:
                    xml.append(f"<wf lemma={quoteattr(lemma)} pos={quoteattr(tag)}>{surface}</wf>")
                    continue
                instance_id = f"{sentence_id}.t{t:03d}"
                xml.append(
                    f"<instance id={quoteattr(instance_id)} lemma={quoteattr(lemma)} "
                    f"pos={quoteattr(tag)}>{surface}</instance>"
                )
                gold.append(f"{instance_id} {rest[1].replace(';', ' ')}")
                t += 1
            xml.append("</sentence>")
        xml.append("</text>")
    xml.append("</corpus>")
    return ("\n".join(xml) + "\n").encode("utf-8"), ("\n".join(gold) + "\n").encode("utf-8")


def used_lemmas() -> set[tuple[str, str]]:
    """(lemma, ss_type group) of every key in the demo: all their WordNet senses are candidates."""
    pos_of = {"1": "n", "2": "v", "3": "a", "4": "r", "5": "a"}
    tokens = [t for s in [*sum(SEMCOR.values(), []), *sum(EVALUATION.values(), [])] for t in s.split()]
    keys = [k for t in tokens for k in t.split("/")[-1].split(";") if "%" in k]
    return {(k.partition("%")[0], pos_of[k.partition("%")[2][0]]) for k in keys}


def index_lines(wordnet: Path) -> list[str]:
    pos_of = {"1": "n", "2": "v", "3": "a", "4": "r", "5": "a"}
    wanted = used_lemmas()
    lines = (wordnet / "index.sense").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if (line.partition("%")[0], pos_of[line.partition("%")[2][0]]) in wanted]


def write_wsd(lines: list[str]) -> None:
    """Every WSD demo file but the licence, from the sentences above and the given index.sense lines."""
    sense_numbers = {line.split()[0]: int(line.split()[2]) for line in lines}
    (OUT / "WSD").mkdir(parents=True, exist_ok=True)
    write_tar_gz(
        OUT / "WSD/semcor3.0.tar.gz",
        {f"semcor3.0/{name}": tagfile(name, sentences, sense_numbers) for name, sentences in SEMCOR.items()},
    )
    folder = OUT / "WSD/WSD_Evaluation_Framework/Evaluation_Datasets"
    for name, sets in [*((s, {s: EVALUATION[s]}) for s in SETS), ("ALL", EVALUATION)]:
        data, gold = raganato(sets, prefixed=name == "ALL")
        (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / name / f"{name}.data.xml").write_bytes(data)
        (folder / name / f"{name}.gold.key.txt").write_bytes(gold)
    (OUT / "wordnet").mkdir(exist_ok=True)
    (OUT / "wordnet/index.sense").write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def licence(copyright_file: Path) -> str:
    """WordNet's licence from a Debian copyright file (paragraphs indented, blank lines as ` .`)."""
    text = copyright_file.read_text(encoding="utf-8").split("License: WordNet3.0\n", 1)[1].split("\nFiles:", 1)[0]
    return LICENSE_HEAD + "".join(("" if line == " ." else line[1:]) + "\n" for line in text.splitlines())


def main() -> None:
    wordnet = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet")
    write_wsd(index_lines(wordnet))
    (OUT / "wordnet/LICENSE").write_text(licence(Path("/usr/share/doc/wordnet-base/copyright")), encoding="utf-8")


if __name__ == "__main__":
    main()
