"""A small synthetic WikiExtractor corpus for pretraining tests (written here, no real text).

Sentences come from a tiny seeded grammar, so a masked LM has regularities to learn and
word order matters (determiner before noun before verb).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

DETERMINERS = ["the", "a", "every", "this"]
NOUNS = ["cat", "river", "teacher", "garden", "engine", "storm", "village", "violin"]
VERBS = ["sees", "follows", "builds", "paints", "crosses", "hears"]
ADJECTIVES = ["quiet", "old", "bright", "heavy", "small"]


def sentence(rng: np.random.Generator) -> str:
    subject = f"{rng.choice(DETERMINERS)} {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
    return f"{subject.capitalize()} {rng.choice(VERBS)} {rng.choice(DETERMINERS)} {rng.choice(NOUNS)}."


def write_corpus(directory: Path, n_documents: int = 12, paragraphs: int = 6, seed: int = 0) -> list[Path]:
    """Two WikiExtractor files of `n_documents` articles in all; returns their paths."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for part in range(2):
        lines = []
        for doc in range(part * n_documents // 2, (part + 1) * n_documents // 2):
            title = f"Article {doc}"
            lines += [
                f'<doc id="{doc + 1}" url="http://en.wikipedia.org/wiki?curid={doc + 1}" title="{title}">',
                title,
                "",
            ]
            lines += [" ".join(sentence(rng) for _ in range(4)) for _ in range(paragraphs)]
            lines += ["</dl>", "</doc>"]
        path = directory / f"wiki_{part:02d}"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(path)
    return files
