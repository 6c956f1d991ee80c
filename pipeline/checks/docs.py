"""Generate the README's ``checks`` section from the registry.

    python -m pipeline.checks.docs           # rewrite the section in README.md
    python -m pipeline.checks.docs --check   # exit 1 when README.md is out of date (CI, tests)

Only the text between ``<!-- section:checks ... -->`` and ``<!-- /section:checks -->`` is
touched; the table lists every registered check (code, name, severity, languages, what it
finds, options with their defaults).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pipeline.checks.registry import REGISTRY

README = Path(__file__).resolve().parents[2] / "README.md"
START = re.compile(r"<!-- section:checks\b[^>]*-->\n")
END = "<!-- /section:checks -->"

INTRO = """\
Every finding names its check by a stable code and name, a severity, the segment (`lang`,
`framework`, `skill`, `element`, `level`, `item`, `origin`), a message, and `evidence`: the
character spans to highlight, `{"field": "target"|"source", "start", "end", "text"}`.
Codes are grouped: QA0xx the checks themselves, QA1xx marker audit, QA2xx structure and
content, QA3xx MT-candidate signals (score stage), QA4xx punctuation and typography, QA5xx
terminology and consistency, QA6xx script and right-to-left text, QA7xx the English source
(reported with `lang` = `en`, so translators are not blamed). Codes never change meaning.

```sh
sfia-qa check PATH... [--lang LANG] [--source PATH...] [--format table|jsonl] [--fail-on LEVEL] [--select CODES]
sfia-qa check translations/pl/sfia-9/CSMG.txt --source sources/      # a translation against its English
sfia-qa check ../shared/sfia/sfia-9_current-standard_en_US_250129.csv --lang en   # source checks only
```

`sfia-qa run` runs them all on the corpus of `qa.toml` and adds the findings to
`reports/findings.jsonl`: SFIA 9 translations against the SFIA 9 English, SFIA 8 against SFIA 8.

**Settings** (`qa.toml`), per check by code or name; the options and defaults are in the table:

```toml
[checks]
suppressions = "qa-suppressions.toml"   # default; relative to qa.toml
glossary = "glossary"                   # folder of <lang>.toml glossaries (default)

[checks.QA209]                # or [checks.length-ratio]
severity = "warning"          # error | warning | info
factor = 2.5
[checks.list-final-punctuation]
closing_full_stop_ok = true   # house style: the last bullet closes the lead-in with a full stop
[checks.QA404]
enabled = false               # also: languages = ["ar"]
```

**Suppressions** live in `qa-suppressions.toml`, committed with the translations; each needs
a reason, and an entry that no longer matches anything is reported (QA001) so the file stays clean:

```toml
[[suppress]]
check = "QA501"                  # code or name
key = "sfia9.CSMG.guidance.1"    # segment key; * and ? allowed: "sfia9.*.activity.*"
lang = "pl"                      # optional ("en" for source checks)
reason = "Keeps the SFIA 8 wording until the terminology review."
```

**Glossaries**: `glossary/<lang>.toml`, a `[terms]` table of `"English term" = ["preferred
rendering", "other accepted rendering", ...]` or `{ accepted = [...], forbidden = [...], source =
"..." }`, and `[[calque]]` entries (`wrong` phrases, `right`, `source`, optional `english` words the
English must have and `within`, words allowed between). Matching is case-insensitive and
inflection-tolerant per word: target words match when they share a stem (`[morphology]` of
`pipeline/lang/<lang>.toml`: `min_stem`, `max_suffix`, and for Arabic the prefixes ال و ب ل ف ك that
are stripped first); English words only through the endings of `suffixes` ("continual" is not
"continuous"); coordinated heads share their dependent (`coordinators`, `coordination_prefixes`:
"standardów i procedur obsługi", "قنوات ومستويات ومعايير الخدمة"); forms stem matching cannot relate
are written as one rendering with `|` ("مشكلة|مشكلات"). QA506 reports a term rendered two ways on a
page or across the framework (the preferred one wins), QA507 forbidden renderings, QA508 calques,
each with its source. Other language data the checks read: `[checks] typical_length_ratio`,
`abbreviations`, `repeat_ok`, `leak_patterns`, `[punctuation] quote_pairs`, `latin_to_native`,
`space_before`, `[lists] forms` (the grammatical form of a bullet's first word, QA211) and
`[spelling] dictionaries`.

**Spelling** (QA409, QA712, and QA707's British/American test) uses the system's Hunspell
dictionaries through spylls: Debian packages `hunspell-pl hunspell-ar hunspell-cs hunspell-en-gb
hunspell-en-us` (`/usr/share/hunspell`; `SFIA_QA_HUNSPELL_PATH` overrides the folders). A word is
reported only when neither the dictionary nor the project word list (`pipeline/data/words/<lang>.txt`,
the glossary's renderings, the skill's name) knows it; without a dictionary the check skips the
language, saying so once on stderr. A loaded dictionary takes 25-125 MB (pl_PL 124 MB), so it is
let go when its language's checks are done, not kept by the worker for the languages after it.
**Source findings sharing one cause** (QA701's lower-cased
American spellings, QA707-QA711) are one finding with the count and every place, over the whole
English of a SFIA version (the `source-corpus` scope).

The table below is generated from the registry (`python -m pipeline.checks.docs`); a test
keeps it current.
"""


def _cell(s: str) -> str:
    return " ".join(str(s).split()).replace("|", "\\|")


def table() -> str:
    rows = ["| code | name | severity | languages | finds | options |", "| --- | --- | --- | --- | --- | --- |"]
    for c in sorted(REGISTRY.values(), key=lambda c: c.code):
        langs = c.languages
        opts = ", ".join(f"`{k} = {str(v).lower() if isinstance(v, bool) else v}`" for k, v in c.settings.items())
        rows.append(f"| {c.code} | `{c.name}` | {c.severity} | {langs} | {_cell(c.summary)} | {opts} |")
    return "\n".join(rows) + "\n"


def section() -> str:
    return INTRO + "\n" + table()


def render(readme: str) -> str:
    m = START.search(readme)
    end = readme.find(END)
    if not m or end < m.end():
        raise SystemExit("README.md has no <!-- section:checks --> ... <!-- /section:checks --> markers")
    return readme[: m.end()] + section() + readme[end:]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = README.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in argv:
        if new != text:
            print("README.md checks section is out of date: run python -m pipeline.checks.docs", file=sys.stderr)
            return 1
        return 0
    if new != text:
        from pipeline.ioutil import write_text

        write_text(README, new)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
