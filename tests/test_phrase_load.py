"""Load: a pull of 20 locales x 2,000 keys through the real client and a real socket."""

from __future__ import annotations

import json
import random

from fake_phrase import FakeClock, FakePhrase, populate

from pipeline.phrase import sync
from pipeline.phrase.client import PhraseClient

TOKEN = "phr-load-token-0b7e"
CODES = ["ar", "bg", "cs", "da", "de", "el", "es", "fi", "fr", "hu",
         "it", "ja", "ko", "nl", "pl", "pt-BR", "ro", "sv", "tr", "zh-CN"]


def test_pull_20_locales_x_2000_keys(tmp_path):
    clock = FakeClock()
    fake = FakePhrase(TOKEN, "big", clock)
    names = populate(fake, CODES, 2000, others=0)
    fake.inject("429", count=3, path="/translations", after=50)
    fake.inject("503", count=2, path="/translations", after=120)
    fake.inject("drop", count=1, path="/translations", after=200)
    with fake, PhraseClient(TOKEN, fake.base_url, clock=clock.time, sleep=clock.sleep,
                            rng=random.Random(1)) as c:
        res = sync.pull(c, "big", tmp_path)
    assert len(res.files) == 20 and res.per_locale == {code: 2000 for code in CODES}
    for code in CODES:
        lines = (tmp_path / code / "phrase" / "sfia-9.jsonl").read_text(encoding="utf-8").splitlines()
        got = {r["key"]: r["text"] for r in map(json.loads, lines)}
        assert set(got) == set(names)
        assert got["sfia9.Q0141.level.7"] == f"{code} «sfia9.Q0141.level.7» <b>{names.index('sfia9.Q0141.level.7')}</b>"
    ok = [e for e in fake.log if e.status == 200]
    # 1 page of locales + 20 locales x 20 pages of 100 translations; faults only add retries.
    assert len(ok) == 1 + 20 * 20
    failed = [e.status for e in fake.log if e.status != 200]
    assert failed.count(503) == 2 and failed.count(None) == 1 and failed.count(429) >= 3
    assert set(failed) <= {503, None, 429}
    assert c.stats["requests"] == len(fake.log)
    assert fake.max_in_flight <= 4
