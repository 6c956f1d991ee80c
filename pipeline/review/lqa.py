"""Linguistic quality score per language and per skill, in the manner of MQM / Phrase LQA.

``pipeline/data/lqa.toml`` maps each check code to an MQM category (accuracy, fluency,
terminology, style, locale convention) and each severity to penalty points (error = major 5,
warning = minor 1, info = neutral 0). A finding counts unless a reviewer dismissed it (false
positive) or accepted the text as it is; codes that are not about the translation (MT-candidate
signals, the English source, QA001) never count. The score is
``100 * (1 - penalty / evaluated words)``, floored at 0, and passes at ``[review] lqa_threshold``.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from functools import cache
from importlib import resources

CATEGORIES = ("accuracy", "fluency", "terminology", "style", "locale convention")


@cache
def table() -> dict:
    raw = (resources.files("pipeline") / "data" / "lqa.toml").read_text(encoding="utf-8")
    data = tomllib.loads(raw)
    weights = {k: float(v) for k, v in data["severity_weights"].items()}
    cats = dict(data["categories"])
    bad = sorted(set(cats.values()) - set(CATEGORIES))
    if bad:
        raise ValueError(f"lqa.toml: unknown MQM categories {bad}")
    ex = data.get("excluded", {})
    return {"weights": weights, "categories": cats, "excluded": frozenset(ex.get("codes", [])),
            "excluded_prefixes": tuple(ex.get("prefixes", [])), "default": ex.get("default_category", "accuracy")}


def category(code: str) -> str | None:
    t = table()
    if code in t["excluded"] or code.startswith(t["excluded_prefixes"]):
        return None
    return t["categories"].get(code, t["default"])


def words(text) -> int:
    return len(str(text).split()) if text else 0


def score(findings: list[dict], n_words: int, threshold: float, dismissed=lambda f: False) -> dict:
    """The LQA of one language or skill: penalty by category, score, pass/fail."""
    t = table()
    by_cat: Counter = Counter()
    counted = 0
    for f in findings:
        cat = category(f["code"])
        if cat is None or dismissed(f):
            continue
        w = t["weights"].get(f["severity"], 0.0)
        if w:
            by_cat[cat] += w
            counted += 1
    penalty = sum(by_cat.values())
    value = None if n_words == 0 else max(0.0, 100.0 * (1.0 - penalty / n_words))
    return {"score": None if value is None else round(value, 2), "penalty": round(penalty, 2),
            "words": n_words, "counted": counted, "threshold": threshold,
            "passed": None if value is None else value >= threshold,
            "categories": {c: round(by_cat.get(c, 0.0), 2) for c in CATEGORIES}}
