"""Baselines for the offence-text classifier: what a user would otherwise reach for.

Both baselines get the same phrases as evident-classify (ICCS English and
Spanish names, the ICCS alphabetical index, Evident's lexicons) and return
the code of the nearest phrase:

* rapidfuzz 3.14.6, `process.extract` with `fuzz.token_set_ratio` on
  lower-cased, accent-stripped text (the usual fuzzy-matching recipe);
* scikit-learn 1.9.1, TF-IDF of character 3-5-grams within word boundaries
  and cosine nearest neighbour.

Usage: baselines.py REPO_ROOT DESCRIPTIONS_FILE
Prints, for each baseline, the time for the descriptions file and top-1 / top-3
accuracy at ICCS level 2 on the dev and test splits of the labelled set.
"""

import csv
import sys
import time
import unicodedata

from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import NearestNeighbors


def fold(text):
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def phrases(root):
    out = []
    iccs = f"{root}/crates/iccs/data"
    data = f"{root}/crates/classify/data"
    for row in csv.DictReader(open(f"{iccs}/structure.csv", encoding="utf-8")):
        out.append((row["name"], row["code"]))
    for row in csv.DictReader(open(f"{iccs}/index_terms.csv", encoding="utf-8")):
        out.append((row["term"], row["code"]))
    for row in csv.DictReader(open(f"{data}/iccs_names_es.csv", encoding="utf-8")):
        out.append((row["name"], row["code"]))
    for name in ("lexicon_en.csv", "lexicon_es.csv"):
        for line in open(f"{data}/{name}", encoding="utf-8").read().splitlines()[1:]:
            if line.strip() and not line.startswith("#"):
                term, code = line.rsplit(",", 1)
                out.append((term, code))
    return out


def top_codes(ranked_indices, codes, k=3):
    seen = []
    for i in ranked_indices:
        if codes[i] not in seen:
            seen.append(codes[i])
        if len(seen) == k:
            break
    return seen


def main():
    root, descriptions_file = sys.argv[1], sys.argv[2]
    table = phrases(root)
    texts = [fold(t) for t, _ in table]
    codes = [c for _, c in table]
    descriptions = open(descriptions_file, encoding="utf-8").read().splitlines()
    items = list(csv.DictReader(open(f"{root}/crates/classify/tests/eval/offences.csv", encoding="utf-8")))

    def fuzzy(query):
        hits = process.extract(fold(query), texts, scorer=fuzz.token_set_ratio, limit=30)
        return top_codes([h[2] for h in hits], codes)

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5))
    matrix = vectorizer.fit_transform(texts)
    neighbours = NearestNeighbors(n_neighbors=30, metric="cosine").fit(matrix)

    def tfidf_batch(queries):
        _, idx = neighbours.kneighbors(vectorizer.transform([fold(q) for q in queries]))
        return [top_codes(row, codes) for row in idx]

    runs = [
        ("rapidfuzz token_set_ratio", lambda qs: [fuzzy(q) for q in qs]),
        ("scikit-learn TF-IDF char 3-5 cosine", tfidf_batch),
    ]
    for name, run in runs:
        start = time.perf_counter()
        run(descriptions)
        elapsed = time.perf_counter() - start
        print(f"{name}: {len(descriptions)} descriptions in {elapsed:.3f} s")
        predictions = run([it["text"] for it in items])
        for split in ("dev", "test"):
            chosen = [(it, p) for it, p in zip(items, predictions) if it["split"] == split and len(it["iccs_code"]) >= 4]
            top1 = sum(1 for it, p in chosen if p and p[0][:4] == it["iccs_code"][:4])
            top3 = sum(1 for it, p in chosen if any(c[:4] == it["iccs_code"][:4] for c in p))
            print(f"  {split}: level-2 top-1 {100 * top1 / len(chosen):.1f}%, top-3 {100 * top3 / len(chosen):.1f}% of {len(chosen)}")


if __name__ == "__main__":
    main()
