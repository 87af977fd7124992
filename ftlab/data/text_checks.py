"""Row-level text checks shared by :func:`ftlab.inspect` and :func:`ftlab.clean`.

Every function here takes plain Python lists (texts, labels) and returns row indices, so the
same definition of "duplicate" or "non-English" is used when a dataset is inspected and when it
is cleaned.

The language heuristic (``is_probably_not_english``) is deliberately simple and documented so a
learner can reason about its mistakes:

1. If at least 30 % of the letters are outside ASCII, the text is flagged. That catches Chinese,
   Japanese, Russian, Greek, Arabic ... ; French, Spanish or German rarely reach 10 % accented
   letters, so they pass this rule.
2. Otherwise, for texts of at least 4 words, the words are compared with two stop-word lists: a
   short English one and a French/Spanish/German/Italian/Portuguese/Dutch one (minus any word that
   is also English). The text is flagged when it holds at least 2 foreign stop words and more
   foreign than English ones.

Known limits: texts under 4 words in a Latin-script language are never flagged; languages outside
the lists above (e.g. Polish, Turkish, Swahili) are missed unless rule 1 applies; code-mixed
sentences and English with many quoted foreign titles can be flagged wrongly.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]{0,200})?\s*/?>")
HTML_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,6}|#[xX][0-9a-fA-F]{1,6});")
URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# zero-width characters are invisible but make two "identical" texts differ
ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")

ENGLISH_STOPWORDS = frozenset(
    """a about after all also am an and any are as at be because been but by can could did do
    does for from had has have he her him his how i if in into is it its just me more most my no
    not of on or our out she so some than that the their them then there these they this to too
    up us very was we were what when which who will with would you your it's i'm don't""".split()
)
_FOREIGN = """de la el los las que y en un una por con para es del al lo muy pero mas más
    sin como está están fue son ya yo le les des est et une pour avec pas mais sur dans du qui ce
    cette sont très été je il elle nous vous der die das und ist nicht ein eine mit auf für den
    dem sich auch es ich sehr aber wir zu von wie war nach bei il di che è non per gli della con
    uma não com os ao em são het een van niet zijn dat op voor ook maar""".split()
FOREIGN_STOPWORDS = frozenset(_FOREIGN) - ENGLISH_STOPWORDS


def normalize_text(text: str | None) -> str:
    """Return the key used to compare texts: lowercase with whitespace collapsed.

    Example:
        >>> normalize_text("  Great   PHONE\\n")
        'great phone'
    """
    if not text:
        return ""
    return " ".join(ZERO_WIDTH.sub("", str(text)).lower().split())


def words(text: str | None) -> list[str]:
    """Split a text into lowercase word tokens (letters and inner apostrophes).

    Example:
        >>> words("It's GREAT, 10/10!")
        ["it's", 'great']
    """
    return WORD.findall((text or "").lower())


def empty_rows(texts: Sequence[str | None]) -> list[int]:
    """Indices of rows whose text is missing, empty or whitespace-only."""
    return [i for i, t in enumerate(texts) if not normalize_text(t)]


def duplicate_groups(texts: Sequence[str | None], labels: Sequence | None = None) -> list[list[int]]:
    """Groups (size >= 2) of rows with the same normalised text, first row first.

    With ``labels``, rows only group together when their labels also match, which is what
    "exact duplicate" means for cleaning: same text *and* label (different labels are conflicts).

    Example:
        >>> duplicate_groups(["Good", "good ", "bad"])
        [[0, 1]]
    """
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, text in enumerate(texts):
        key = normalize_text(text)
        if key:  # empty rows are reported as empty, not as one giant duplicate group
            groups[(key, labels[i] if labels is not None else None)].append(i)
    return [g for g in groups.values() if len(g) > 1]


def label_conflicts(texts: Sequence[str | None], labels: Sequence) -> list[list[int]]:
    """Groups of rows with the same normalised text but more than one distinct label.

    Example:
        >>> label_conflicts(["fine", "Fine", "ok"], [0, 2, 1])
        [[0, 1]]
    """
    return [g for g in duplicate_groups(texts) if len({labels[i] for i in g}) > 1]


def near_duplicate_pairs(
    texts: Sequence[str | None], threshold: float = 0.8, block: int = 1000
) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, similarity)`` with ``i < j`` whose texts are similar but not identical.

    Similarity is the cosine between TF-IDF vectors of character 3-5-grams (inside word
    boundaries), so a changed word or punctuation mark keeps two long texts close while
    unrelated texts share only common n-grams. Rows are compared in blocks so memory stays
    ``block x n`` instead of ``n x n``. Identical normalised texts are left to exact checks:
    only the first row of each distinct text takes part.

    Example:
        >>> near_duplicate_pairs(["The battery lasts two days.", "The battery lasts 2 days!"], 0.5)[0][:2]
        (0, 1)
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    keys = [normalize_text(t) for t in texts]
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    # one representative per distinct text: copies of a text are exact duplicates, reported there
    rows = [i for k, i in first.items() if k]
    if len(rows) < 2:
        return []
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), dtype=np.float32)
    matrix = vectorizer.fit_transform([keys[i] for i in rows])  # (n, vocab), rows L2-normalised
    index = np.asarray(rows)
    pairs = []
    for start in range(0, len(rows), block):
        sims = (matrix[start : start + block] @ matrix.T).tocoo()  # (block, n) cosine similarities
        i, j = index[sims.row + start], index[sims.col]
        keep = (i < j) & (sims.data >= threshold)
        pairs += zip(i[keep].tolist(), j[keep].tolist(), np.round(sims.data[keep], 3).tolist())
    return sorted(pairs)


def is_probably_not_english(text: str | None) -> bool:
    """Heuristic language check (see the module docstring for the rules and their limits).

    Example:
        >>> is_probably_not_english("El envío llegó tarde y la caja estaba rota.")
        True
        >>> is_probably_not_english("The delivery was late and the box was broken.")
        False
    """
    letters = [c for c in text or "" if c.isalpha()]
    if not letters:
        return False
    if sum(not c.isascii() for c in letters) / len(letters) >= 0.3:
        return True
    tokens = words(text)
    if len(tokens) < 4:
        return False
    english = sum(t in ENGLISH_STOPWORDS for t in tokens)
    foreign = sum(t in FOREIGN_STOPWORDS for t in tokens)
    return foreign >= 2 and foreign > english


def non_english_rows(texts: Sequence[str | None]) -> list[int]:
    """Indices of rows that :func:`is_probably_not_english` flags."""
    return [i for i, t in enumerate(texts) if is_probably_not_english(t)]


def html_rows(texts: Sequence[str | None]) -> list[int]:
    """Indices of rows containing HTML tags (``<br />``) or entities (``&amp;``)."""
    return [i for i, t in enumerate(texts) if t and (HTML_TAG.search(t) or HTML_ENTITY.search(t))]


def url_rows(texts: Sequence[str | None]) -> list[int]:
    """Indices of rows containing a URL (``http(s)://`` or ``www.``)."""
    return [i for i, t in enumerate(texts) if t and URL.search(t)]


def strip_html_text(text: str) -> str:
    """Drop HTML tags (a tag becomes a space) and unescape entities such as ``&amp;``.

    Example:
        >>> strip_html_text("Fast &amp; cheap<br />Recommended")
        'Fast & cheap Recommended'
    """
    return html.unescape(HTML_TAG.sub(" ", text))


def distinct_n(texts: Sequence[str | None], n: int) -> float:
    """Distinct-n: unique word n-grams divided by all word n-grams over the corpus (0 if none).

    Example:
        >>> distinct_n(["good good", "good"], 1)
        0.3333333333333333
    """
    seen: set[tuple[str, ...]] = set()
    total = 0
    for text in texts:
        tokens = words(text)
        grams = [tuple(tokens[k : k + n]) for k in range(len(tokens) - n + 1)]
        seen.update(grams)
        total += len(grams)
    return len(seen) / total if total else 0.0
