"""Build the demo IMDB archives demo/data/IMDB/aclImdb_{train,test}.tar.gz.

The reviews below were written for this demo (none comes from the IMDB dataset). Each
archive holds `aclImdb/<split>/{pos,neg}/<id>_<rating>.txt` like the real split archives
(ratings 7-10 positive, 1-4 negative; `<br /><br />` line breaks as in the real texts).
The output is byte-reproducible: `posart.archives.write_tar_gz` sorts the members and
fixes mtimes, owners and the gzip timestamp. Run from the repository root:

    python demo/make_imdb_archives.py

then refresh demo/data/SHA256SUMS (see demo/data/README.md).
"""

from __future__ import annotations

from pathlib import Path

from posart.archives import write_tar_gz

OUT = Path(__file__).resolve().parent / "data" / "IMDB"

# (rating, review) per split; positive first, then negative.
REVIEWS = {
    "train": [
        (
            9,
            "A lovely film about a family bakery. The cast is warm and funny, and the ending made me smile for the rest of the evening.",
        ),
        (
            10,
            "One of the best films I have seen in years.<br /><br />The story is simple, the acting is superb and the music is beautiful. Go and see it.",
        ),
        (
            8,
            "I did not expect much from a film about a chess club, but it is clever, tense and very funny. The young lead is a real find.",
        ),
        (
            7,
            "A good, solid thriller. The plot has a few holes, but the final hour is gripping and the actors are all excellent.",
        ),
        (
            9,
            "The photography alone is worth the ticket. Every scene by the sea looks like a painting, and the story is moving too.",
        ),
        (
            8,
            "A sweet comedy with a big heart. The jokes land, the characters are easy to love, and it never outstays its welcome.",
        ),
        (
            10,
            "A masterpiece. The director tells a small story about two sisters with so much care that I was in tears by the end.",
        ),
        (
            7,
            "Not perfect, but a lot of fun. The second half drags a little, yet the cast is so charming that I did not mind.",
        ),
        (
            9,
            "This documentary about deep sea explorers is fascinating from start to finish.<br /><br />Clear, beautiful and never dull.",
        ),
        (
            8,
            "A funny and honest film about growing up in a small town. The dialogue feels real and the actors are wonderful.",
        ),
        (10, "I have watched this film three times now and it gets better every time. Smart, funny and full of life."),
        (
            7,
            "A pleasant family film. The kids in our audience loved the animals, and the adults laughed at the jokes meant for them.",
        ),
        (9, "The lead actress gives the performance of her career. A quiet, wise and very moving drama."),
        (
            8,
            "Great fun from beginning to end. The heist is clever, the twists are fair and the cast clearly enjoyed themselves.",
        ),
        (9, "A beautiful love story that never becomes silly. The final scene at the station is perfect."),
        (
            7,
            "A decent science fiction film with good ideas and very good effects. The script could be sharper, but I enjoyed it.",
        ),
        (10, "Simply wonderful. I laughed, I cried and I wanted to watch it again as soon as it ended."),
        (
            8,
            "The story of an old fisherman and his grandson is told with humour and great warmth.<br /><br />A small gem.",
        ),
        (9, "Brilliant writing and brilliant acting. This is how a courtroom drama should be made."),
        (7, "A gentle, funny film about a cooking contest. The food looks delicious and the characters are likeable."),
        (8, "Clever, tense and beautifully shot. The mountain scenes are breathtaking."),
        (10, "The best animated film of the year. The story is touching and the jokes work for every age."),
        (9, "An honest and moving film about friendship. The two leads are superb together."),
        (7, "Good fun, with a great soundtrack and some very funny scenes. Not deep, but very enjoyable."),
        (8, "A thoughtful film about memory and family. It takes its time, and the patience pays off."),
        (9, "A rare comedy that is both smart and kind. I smiled all the way home."),
        (10, "Everything works in this film: the story, the music, the acting.<br /><br />A joy."),
        (8, "The director has made a warm and funny film about a very odd family. Highly recommended."),
        (7, "A good adventure film for a rainy afternoon. The island looks wonderful and the kids are great."),
        (9, "Moving, funny and wise. One of the best films about old age I have seen."),
        (2, "A dull and lifeless film. The plot makes no sense and the actors look as bored as I was."),
        (1, "The worst film I have seen this year.<br /><br />Loud, stupid and far too long. Avoid it."),
        (3, "The idea is good, but the film does nothing with it. The jokes are old and the ending is lazy."),
        (4, "Some nice pictures, but the story is thin and the characters are flat. I checked my watch many times."),
        (2, "A cynical sequel that treats its audience like fools. Nothing in it is new and nothing in it is funny."),
        (1, "I walked out after forty minutes. The acting is terrible and the script is even worse."),
        (3, "The film wants to be deep but only manages to be slow. Two hours of people staring out of windows."),
        (4, "The cast tries hard, but the story falls apart in the second half and the twist is easy to see coming."),
        (2, "An ugly, noisy film with no heart. The special effects look cheap and the dialogue is painful."),
        (1, "A complete waste of time and money.<br /><br />I cannot think of one good thing to say about it."),
        (3, "Too long, too loud and too pleased with itself. The lead actor deserves a better film."),
        (4, "A few funny moments, but most of the jokes fall flat. The music is nice."),
        (2, "The plot is a mess and the characters make stupid choices just to keep it moving."),
        (1, "Boring, confusing and badly acted. Even the children in the audience were restless."),
        (3, "The book is wonderful; this film is not. It leaves out everything that made the story special."),
        (4, "It starts well, but after the first half hour it has nothing left to say."),
        (2, "A lazy comedy with tired jokes. I did not laugh once."),
        (1, "Dreadful. The story is nonsense and the ending is an insult to anyone who sat through it."),
        (3, "The documentary takes sides without ever explaining why. Pretty pictures, very little science."),
        (4, "The actors are fine, but the script gives them nothing to do.<br /><br />Forgettable."),
        (2, "A cold and empty thriller. The twists are silly and the villain is a cartoon."),
        (1, "I fell asleep twice. When I woke up, nothing had happened."),
        (3, "The film looks wonderful, but it is so slow that it is hard to care about anyone in it."),
        (4, "A few good scenes cannot save a story that goes nowhere."),
        (2, "The characters shout at each other for two hours. It is exhausting, not exciting."),
        (1, "One of the worst films ever made. Mean, stupid and very long."),
        (3, "Not as funny as it thinks it is. The best jokes are all in the trailer."),
        (4, "A well made film, but strangely cold. I felt nothing for the characters."),
        (2, "The sequel nobody asked for. Louder, longer and dumber than the first film."),
        (1, "Awful acting, awful music and an awful ending. Avoid at all costs."),
    ],
    "test": [
        (9, "A warm and funny film about a family hotel by the sea. The whole cast is a pleasure to watch."),
        (
            10,
            "A beautiful film.<br /><br />The story of the two brothers is moving, the music is wonderful and the ending is perfect.",
        ),
        (8, "Smart, funny and full of heart. The young actors are terrific."),
        (7, "A good mystery with a clever plot. The middle is a little slow, but the last half hour is excellent."),
        (9, "The most moving film I have seen this year. I was thinking about it for days."),
        (8, "A charming comedy about a small theatre company. The jokes are sharp and the characters are lovely."),
        (10, "A masterpiece of quiet storytelling. Every scene is beautifully made."),
        (7, "A fun adventure with great scenery and a likeable hero. Nothing new, but very enjoyable."),
        (9, "This documentary about bees is fascinating, clear and beautifully filmed.<br /><br />I learned a lot."),
        (8, "An honest and funny film about first love. The dialogue feels real."),
        (10, "Wonderful from start to finish. I want to see it again."),
        (7, "A pleasant film for the whole family. The dog steals every scene."),
        (9, "The lead actor is superb in a quiet, moving role. A film full of small, true moments."),
        (8, "Tense, clever and very well acted. The final twist is a real surprise."),
        (9, "A lovely, gentle film about an old couple who open a cafe. It made me smile all evening."),
        (7, "Good science fiction with interesting ideas. The effects are impressive and the story holds together."),
        (10, "Funny, sad and completely wonderful. One of the best films of the decade."),
        (8, "A small film with a big heart.<br /><br />The story of a village choir is told with warmth and humour."),
        (9, "Brilliant. The writing is sharp and the cast is perfect."),
        (7, "An enjoyable comedy about a disastrous wedding. Some jokes miss, but most of them land."),
        (8, "Beautiful to look at and moving to watch. The desert scenes are stunning."),
        (10, "A joy. The animation is gorgeous and the story is full of heart."),
        (9, "A wise and funny film about friendship and growing old."),
        (7, "Good fun with a great soundtrack. Not a classic, but a very good night out."),
        (8, "A thoughtful drama that trusts its audience. The patience is rewarded."),
        (9, "Kind, clever and very funny. I laughed from beginning to end."),
        (10, "Everything about this film is right.<br /><br />A wonderful story, wonderfully told."),
        (8, "A funny and touching film about a family road trip. Highly recommended."),
        (7, "A good adventure for children and adults alike. The island looks magical."),
        (9, "Moving and beautifully acted. A film I will not forget."),
        (2, "A dull film with a silly plot. The actors seem as bored as the audience."),
        (1, "Terrible.<br /><br />Loud, long and completely pointless."),
        (3, "A good idea wasted on a lazy script. The ending makes no sense."),
        (4, "Pretty pictures, but the story is thin and the characters are flat."),
        (2, "A cynical and noisy sequel. Nothing works, and nothing is funny."),
        (1, "I left after half an hour. The acting is awful and the script is worse."),
        (3, "Slow, heavy and very long. It wants to be deep but it is only dull."),
        (4, "The cast is good, but the story collapses in the second half."),
        (2, "An ugly film with cheap effects and painful dialogue."),
        (1, "A total waste of time.<br /><br />Not one good scene."),
        (3, "Too loud and too long. The lead actress deserves much better."),
        (4, "One or two funny moments, and the rest is forgettable."),
        (2, "The plot is a mess and the characters are impossible to care about."),
        (1, "Boring and confusing. The worst film I have seen in a cinema."),
        (3, "The novel is a classic; this adaptation is a bore."),
        (4, "A promising start, and then nothing happens for an hour."),
        (2, "A lazy comedy. The jokes are tired and the timing is off."),
        (1, "Dreadful from the first scene to the last. Avoid it."),
        (3, "A documentary with a strong opinion and very few facts."),
        (4, "Well acted, but the script goes nowhere.<br /><br />A shame."),
        (2, "A silly thriller with a cartoon villain and a twist you can see from miles away."),
        (1, "I have never been so bored. Nothing happens, slowly."),
        (3, "Lovely to look at, but so slow that I stopped caring."),
        (4, "A couple of good scenes in a very long and dull film."),
        (2, "Two hours of shouting. Exhausting and pointless."),
        (1, "Mean, stupid and far too long. One of the worst films ever made."),
        (3, "It thinks it is funny. It is not."),
        (4, "Competent but cold. I did not feel anything for anyone."),
        (2, "A loud, dumb sequel that nobody needed."),
        (1, "Awful in every way. The acting, the music, the story: all awful."),
    ],
}


def members(split: str) -> dict[str, bytes]:
    """Archive members of one split: per polarity, reviews numbered from 0 in list order."""
    counters = {"pos": 0, "neg": 0}
    out = {}
    for rating, text in REVIEWS[split]:
        polarity = "pos" if rating >= 7 else "neg"
        out[f"aclImdb/{split}/{polarity}/{counters[polarity]}_{rating}.txt"] = text.encode("utf-8")
        counters[polarity] += 1
    return out


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for split in REVIEWS:
        write_tar_gz(OUT / f"aclImdb_{split}.tar.gz", members(split))


if __name__ == "__main__":
    main()
