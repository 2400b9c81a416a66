"""NLTK's Penn Treebank sample (`treebank.zip`: `treebank/combined/wsj_*.mrg`), cleaned for
unsupervised-parsing evaluation as Kim et al. (2019; their `process_ptb.py`, after Shen et
al.'s PRPN) prepare the WSJ, which Kim et al. (2020) evaluate on:

- every leaf whose part-of-speech tag is not a word tag (`WORD_TAGS`) is deleted: this
  removes punctuation, traces and other empty elements (`-NONE-`) and currency symbols
  (`$`, `#`);
- constituents left without leaves are deleted (repeatedly, up the tree);
- PTB escapes in words are undone (`\\/` -> `/`, `\\*` -> `*`), so the encoder sees plain text.

Each `.mrg` file holds bracketed trees spanning several lines, each wrapped in an unlabelled
outer bracket `( (S ...) )` that is dropped (as NLTK does). The bracket parser is a few
lines; NLTK's `Tree.fromstring` would add a dependency whose errors name neither file nor
line, and NLTK has no trace removal.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from posart.corpora._lines import malformed

MEMBER = re.compile(r"treebank/combined/([^/]+\.mrg)")
TOKEN = re.compile(r"\(|\)|[^\s()]+")
# Kim et al. 2019 (from PRPN's data_ptb.py): the tags of words; every other leaf is removed.
WORD_TAGS = frozenset(
    "CC CD DT EX FW IN JJ JJR JJS LS MD NN NNS NNP NNPS PDT POS PRP PRP$ RB RBR RBS "
    "RP SYM TO UH VB VBD VBG VBN VBP VBZ WDT WP WP$ WRB".split()
)
COLUMNS = ["file", "number", "text", "tree"]


@dataclass
class Tree:
    """A constituent: a label and children; a preterminal's single child is its word (a str)."""

    label: str
    children: list = field(default_factory=list)

    @property
    def is_preterminal(self) -> bool:
        return len(self.children) == 1 and isinstance(self.children[0], str)

    def words(self) -> list[str]:
        if self.is_preterminal:
            return [self.children[0]]
        return [word for child in self.children for word in child.words()]

    def spans(self, start: int = 0) -> list[tuple[int, int]]:
        """(start, stop) word span of every constituent above the preterminals, pre-order."""
        if self.is_preterminal:
            return []
        out, stop = [], start
        for child in self.children:
            out.extend(child.spans(stop))
            stop += len(child.words())
        return [(start, stop)] + out

    def __str__(self) -> str:
        if self.is_preterminal:
            return f"({self.label} {self.children[0]})"
        return f"({self.label} {' '.join(str(child) for child in self.children)})"


def parse_trees(text: str, path: str | os.PathLike = "<string>") -> list[tuple[int, Tree]]:
    """All bracketed trees of a text, each with the line it starts on."""
    tokens = [
        (match.group(), number)
        for number, line in enumerate(text.splitlines(), start=1)
        for match in TOKEN.finditer(line)
    ]
    stack: list[Tree] = []
    trees: list[tuple[int, Tree]] = []
    start_line = 0
    for i, (token, number) in enumerate(tokens):
        if token == "(":
            label = tokens[i + 1][0] if i + 1 < len(tokens) and tokens[i + 1][0] not in "()" else ""
            if not stack:
                start_line = number
            stack.append(Tree(label))
        elif token == ")":
            if not stack:
                raise malformed(path, number, "unbalanced ')'")
            node = stack.pop()
            if not node.children:
                raise malformed(path, number, f"constituent ({node.label} ...) has no children")
            if stack:
                stack[-1].children.append(node)
            else:
                trees.append((start_line, node))
        elif not stack:
            raise malformed(path, number, f"text outside brackets: {token!r}")
        elif tokens[i - 1][0] != "(":
            if stack[-1].children:
                raise malformed(path, number, f"word {token!r} beside other children in ({stack[-1].label} ...)")
            stack[-1].children.append(token)
    if stack:
        raise malformed(path, start_line, "tree not closed at end of file")
    return trees


def strip_outer(tree: Tree, path: str | os.PathLike, line: int) -> Tree:
    """The tree inside PTB's unlabelled outer bracket."""
    if tree.label or len(tree.children) != 1 or isinstance(tree.children[0], str):
        raise malformed(path, line, "expected a PTB tree `( (LABEL ...) )` with an unlabelled outer bracket")
    return tree.children[0]


def clean(tree: Tree) -> Tree | None:
    """The tree without non-word leaves and the constituents they leave empty (None if nothing is left)."""
    if tree.is_preterminal:
        if tree.label not in WORD_TAGS:
            return None
        return Tree(tree.label, [tree.children[0].replace("\\/", "/").replace("\\*", "*")])
    children = [kept for child in tree.children if (kept := clean(child)) is not None]
    return Tree(tree.label, children) if children else None


def read_treebank(archive: str | os.PathLike) -> pd.DataFrame:
    """[file, number (0-based within the file), text (words of the cleaned tree), tree (cleaned, one line)].

    A sentence that loses every word in cleaning (none in the NLTK sample) is an error.
    """
    archive = Path(archive)
    if not archive.is_file():
        raise FileNotFoundError(f"{archive}: no such file")
    rows = []
    with zipfile.ZipFile(archive) as zipped:
        names = sorted(name for name in zipped.namelist() if MEMBER.fullmatch(name))
        if not names:
            raise ValueError(f"{archive}: no treebank/combined/*.mrg member")
        for name in names:
            location = f"{archive}:{name}"
            data = zipped.read(name)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as err:
                raise malformed(location, data.count(b"\n", 0, err.start) + 1, "not valid UTF-8") from err
            for index, (line, tree) in enumerate(parse_trees(text, location)):
                cleaned = clean(strip_outer(tree, location, line))
                if cleaned is None:
                    raise malformed(location, line, "no word left after removing punctuation and empty elements")
                rows.append((MEMBER.fullmatch(name).group(1), index, " ".join(cleaned.words()), str(cleaned)))
    return pd.DataFrame(rows, columns=COLUMNS)


def parse_tree(text: str) -> Tree:
    """One bracketed tree from its one-line string (the `tree` column)."""
    trees = parse_trees(text)
    if len(trees) != 1:
        raise ValueError(f"expected one tree, found {len(trees)} in {text[:80]!r}")
    return trees[0][1]
