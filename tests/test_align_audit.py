"""Translations aligned to their English, and the (modified)/(unchanged) marker audit."""

from __future__ import annotations

import pytest

from pipeline import schema
from pipeline.align import align_english, align_translations
from pipeline.checks.runner import run_checks
from pipeline.checks.settings import Settings
from pipeline.checks.units import units_from_alignment
from pipeline.drift import classify, with_drift
from pipeline.ingest import read_paths


@pytest.fixture(scope="module")
def sample(root):
    en = {8: read_paths([root / "sources/sfia-8/en"], framework=8),
          9: read_paths([root / "sources/sfia-9/en"], framework=9)}
    tr = read_paths([root / "translations"])
    eal = align_english(en[8], en[9])
    drift = classify(eal)
    return with_drift(align_translations(eal, en, tr), drift), en, eal, drift


def test_arabic_sfia8_bullets_align_to_english_sfia8(sample):
    al = sample[0]
    ar = al[(al.lang == "ar") & (al.element == "activity")]
    pairs = dict(zip(ar.en_8, ar.tgt_8, strict=True))
    assert pairs["responding to reported problems"] == "يستجيب للمشكلات المبلغ عنها"
    assert pairs["handling requests for information"] == "يتولى طلبات الحصول على معلومات"
    assert set(ar[ar.en_8.notna()].status_8) == {"ok"}
    assert ar[ar.en_8.isna()].status_8.isna().all()  # SFIA 9's new 7th bullet has no SFIA 8 counterpart


def test_polish_markers_raise_no_marker_error(sample):
    findings = audit_markers(sample[0])
    assert findings[findings.severity == "error"].empty, findings.to_dict("records")
    pl = sample[0][sample[0].lang == "pl"]
    assert set(pl.status_9.dropna()) == {"ok"}
    assert pl[pl.element == "activity"].tgt_9.notna().sum() == 7


def test_missing_bullet_in_a_translation_is_reported_not_shifted(sample, root):
    _, en, eal, drift = sample
    tr = read_paths([root / "translations/ar"])
    # drop the Arabic activity 3 (a short one) and renumber, as a translator who missed a bullet would
    acts = tr[tr.element == "activity"].copy()
    acts = acts[acts.item != 3]
    acts["item"] = range(1, len(acts) + 1)
    tr2 = schema.make(schema.SEGMENT, __import__("pandas").concat([tr[tr.element != "activity"], acts]))
    al = with_drift(align_translations(eal, en, tr2), drift)
    ar = al[(al.element == "activity") & al.en_8.notna()].set_index("en_8")
    assert ar.loc["responding to reported problems", "status_8"] == "missing"
    assert ar.loc["handling requests for information", "tgt_8"] == "يتولى طلبات الحصول على معلومات"
    assert ar.loc["acting as a contact point for users and customers", "tgt_8"] == "يعمل كجهة اتصال لدى المستخدمين والعملاء"


def audit_markers(alignment):
    """The marker audit (QA1xx) over an alignment, as the check stage runs it."""
    return run_checks(units_from_alignment(alignment), Settings(), only=["QA101", "QA102", "QA103", "QA104", "QA105"])


def _row(**kw):
    base = {"lang": "pl", "skill": "ABCD", "element": "level", "level": 1, "item": None,
            "en_8": "Old.", "en_9": "New.", "tgt_8": "Stary.", "tgt_9": "Nowy.", "marker": "modified",
            "origin_tgt_8": "t8.txt:1", "origin_tgt_9": "t9.txt:5", "path_tgt_8": "t8.txt", "path_tgt_9": "t9.txt",
            "line_tgt_8": 1, "line_tgt_9": 5, "status_8": "ok", "status_9": "ok",
            "drift": "modified"}
    base.update(kw)
    return base


def _codes(rows):
    return sorted(audit_markers(schema.make(schema.ALIGNMENT, rows)).code)


def test_marker_rules_each():
    assert _codes([_row()]) == []
    assert _codes([_row(marker="unchanged", tgt_9="Stary.")]) == ["QA101"]
    assert _codes([_row(marker="modified", drift="cosmetic", en_9="Old!")]) == ["QA102"]
    assert _codes([_row(marker="unchanged", drift="unchanged", en_9="Old.", tgt_9="Stary!")]) == ["QA103"]
    assert _codes([_row(marker="modified", tgt_9="Stary.")]) == ["QA104"]
    assert _codes([_row(), _row(level=2, marker=None)]) == ["QA105"]


def test_modified_marker_judged_on_its_section():
    # a guidance section marked (modified) where one bullet changed and another did not: no warning,
    # and the unchanged bullet may keep its SFIA 8 translation
    rows = [_row(element="activity", level=None, item=1, drift="unchanged", en_9="Old.", tgt_9="Stary."),
            _row(element="activity", level=None, item=2, drift="modified")]
    assert _codes(rows) == []
    rows = [_row(element="activity", level=None, item=1, drift="unchanged", en_9="Old.", tgt_9="Stary."),
            _row(element="guidance", level=None, item=1, drift="cosmetic", en_9="Old!")]
    assert _codes(rows) == ["QA102"]


def test_keyed_translation_units_pair_by_their_key_not_by_length(sample, tmp_path):
    """A Phrase pull without activity 3 (untranslated there): 4..7 keep their own English."""
    import json

    from pipeline.ingest import read_file
    _, en, eal, drift = sample
    p = tmp_path / "pl" / "phrase" / "sfia-9.jsonl"
    p.parent.mkdir(parents=True)
    units = {1: "zarządzanie funkcjami", 2: "pełnienie funkcji punktu kontaktowego", 4: "obsługa wniosków",
             5: "zarządzanie dostępem do produktów, usług lub systemów", 6: "przetwarzanie zgłoszeń",
             7: "utrzymanie zadowolenia klientów."}
    p.write_text("".join(json.dumps({"key": f"sfia9.CSMG.activity.{i}", "text": t, "state": "translated",
                                     "locale": "pl"}, ensure_ascii=False) + "\n" for i, t in units.items()),
                 encoding="utf-8")
    al = with_drift(align_translations(eal, en, read_file(p)), drift)
    acts = {int(r.item_9): (r.tgt_9 if isinstance(r.tgt_9, str) else None, r.status_9)
            for r in al[al.element == "activity"].itertuples()
            if str(r.item_9) != "<NA>"}
    assert acts[3] == (None, "missing")
    assert all(acts[i] == (t, "ok") for i, t in units.items())


def test_flipped_guidance_marker_on_the_sample_page_is_one_finding(sample, root, tmp_path):
    """The Polish page with its guidance marker flipped to (unchanged): one QA101 naming the segments
    whose English changed, not one per paragraph and bullet."""
    _, en, eal, drift = sample
    page = (root / "translations/pl/sfia-9/CSMG.txt").read_text(encoding="utf-8")
    heading = "Uwagi zawierające wskazówki\n(modified)\n"
    assert heading in page
    p = tmp_path / "pl" / "sfia-9" / "CSMG.txt"
    p.parent.mkdir(parents=True)
    p.write_text(page.replace(heading, "Uwagi zawierające wskazówki\n(unchanged)\n"), encoding="utf-8")
    al = with_drift(align_translations(eal, en, read_paths([p])), drift)
    df = audit_markers(al)
    assert df.code.tolist() == ["QA101"]
    # paragraph 1 was rewritten (removed + added), activities 3, 5, 6 and 7 are new, 2 and 4 modified
    assert df.message[0] == ("The guidance notes section is marked (unchanged) but its English changed "
                             "between SFIA 8 and SFIA 9 in paragraph 1, activities 2-7. Check that the "
                             "translation follows the new English and mark the section (modified).")


def test_table_rows_are_the_cells_values_with_none_for_a_missing_one():
    # schema.rows is how the stages walk tables (alignment, candidates, drafts): every typed
    # column's missing value is None, a float column's NaN stays NaN, numbers are Python's own
    import math

    import numpy as np
    import pandas as pd

    df = pd.DataFrame({
        "text": pd.array(["Zarządza.", None], dtype="string"),
        "level": pd.array([3, None], dtype="Int64"),
        "keyed": pd.array([True, None], dtype="boolean"),
        "score": pd.array([0.5, None], dtype="Float64"),
        "codes": [({"id": "1", "kind": "ph"},), None],
        "ratio": np.array([1.25, np.nan]),
        "line": np.array([7, 8], dtype="int64"),
        "flag": np.array([False, True]),
    })
    got = schema.rows(df)
    assert got[0] == {"text": "Zarządza.", "level": 3, "keyed": True, "score": 0.5,
                      "codes": ({"id": "1", "kind": "ph"},), "ratio": 1.25, "line": 7, "flag": False}
    assert [type(v) for v in got[0].values()] == [str, int, bool, float, tuple, float, int, bool]
    second = got[1]
    assert math.isnan(second.pop("ratio"))
    assert second == {"text": None, "level": None, "keyed": None, "score": None, "codes": None,
                      "line": 8, "flag": True}
    assert schema.rows(df.iloc[:0]) == [] and schema.rows(df[[]]) == [{}, {}]
