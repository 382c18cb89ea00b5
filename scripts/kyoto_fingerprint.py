#!/usr/bin/env python3
"""Writes crates/server/data/kyoto_fingerprint.txt from the Kyoto Declaration text.

The dashboard's Kyoto page (crates/server/data/kyoto.toml) follows the
Declaration's headings and paragraphs and summarises each paragraph in our own
words. Its tests check both against this fingerprint instead of the text itself,
so the repository carries the Declaration's structure (headings, paragraph
numbers) but none of its sentences: each paragraph is reduced to hashes of its
six-word runs, enough to prove a summary does not repeat one.

Usage: scripts/kyoto_fingerprint.py [SEED_TEXT]  (default ../shared/seeds/000_7a05ab54536c615f.txt)
Run it again after the seed changes and commit the result; the output is deterministic.
"""
import hashlib
import re
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
seed = Path(sys.argv[1]) if len(sys.argv) > 1 else root.parent / "shared/seeds/000_7a05ab54536c615f.txt"
text = seed.read_text(encoding="utf-8")
start = text.index("We therefore endeavour to take the following actions:")
end = start + text[start:].index("\n97. ")
SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def ends_paragraph(line):
    return line.rstrip(SUPERSCRIPTS).endswith(";")


def words(s):
    return [w.lower().replace("organiz", "organis") for w in re.split(r"[\W_]+", s) if w]


outline, paragraphs = [], {}
in_paragraph, current = False, None
for line in text[start:end].splitlines()[1:]:
    line = line.strip()
    if not line:
        continue
    m = re.match(r"^(\d+)\. ", line)
    if m:
        current = int(m.group(1))
        outline.append(f"P {current}")
        paragraphs[current] = [line]
        in_paragraph = not ends_paragraph(line)
    elif line[0] in SUPERSCRIPTS:
        continue
    elif in_paragraph:
        paragraphs[current].append(line)
        in_paragraph = not ends_paragraph(line)
    else:
        outline.append("H " + line.rstrip(":"))

out = ["# Fingerprint of the Kyoto Declaration (A/CONF.234/16, chapter I, resolution 1), paragraphs 21-96.",
       "# H = heading, P = paragraph number, S = first 16 hex digits of SHA-256 of a six-word run",
       "# of the paragraph (lower case, words split at non-alphanumerics). Made by scripts/kyoto_fingerprint.py."]
out += outline
for number in sorted(paragraphs):
    w = words(" ".join(paragraphs[number]))
    runs = sorted({hashlib.sha256(" ".join(w[i:i + 6]).encode()).hexdigest()[:16] for i in range(len(w) - 5)})
    out += [f"S {number} {h}" for h in runs]
target = root / "crates/server/data/kyoto_fingerprint.txt"
target.write_text("\n".join(out) + "\n", encoding="utf-8")
print(f"wrote {target}: {len(outline)} outline lines, {len(out) - len(outline) - 3} hashes")
