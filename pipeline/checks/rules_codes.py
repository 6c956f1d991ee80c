"""QA408: inline codes and literal variables that must survive translation.

Two kinds of evidence:

* the inline codes of a bilingual unit (XLIFF, TMX, MXLIFF: :attr:`Unit.codes`, read by
  :mod:`pipeline.ingest.xmlfiles`), shown in the text as ``{1}`` or ``{1}``...``{/1}``: every code
  of the unit's own source must be in its target as often, none added, and paired codes must
  open before they close and nest (``{1}{2}{/1}{/2}`` overlaps);
* literal variables in the English, on every unit with English: ``{0}``/``{name}``,
  ``%s``/``%d``/``%1$s``, ``{{x}}`` and HTML-like tags ``<b>``...``</b>`` must appear in the
  translation as often (tags by name: a translated ``title`` attribute is not a change), and
  the translation must not add any.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter

from pipeline.checks.registry import register
from pipeline.checks.text import span
from pipeline.checks.units import Hit

G = "punctuation"

# Literal variables, longest forms first so '{{x}}' is not also read as '{x}'.
VARIABLE = re.compile(
    r"\{\{\s*[\w.\-]{1,60}\s*\}\}"                                    # {{name}}
    r"|\{[\w.]{1,60}(?:,[^{}<>]{0,60})?\}"                            # {0} {name} {0,number}
    r"|%(?:[1-9]\d{0,2}\$)?[-+#0]?\d{0,3}(?:\.\d{1,3})?[sdifuxXeEgGc@](?![A-Za-z0-9])"  # %s %d %1$s %.2f
    r"|</?[A-Za-z][A-Za-z0-9]{0,20}(?:\s[^<>]{0,200})?/?>"           # <b> </b> <br/> <a href="...">
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,20})[^<>]*?(/?)>$")
_PLACEHOLDER = re.compile(r"\{/?\d{1,7}\}")
SHOW = 60  # characters of a code's markup quoted in a message
MAX_HITS = 20  # findings per unit; the rest are counted in one more finding


def _norm(token: str) -> str:
    """What must survive: a tag by its name and kind, a variable exactly (spaces in {{ }} aside)."""
    m = _TAG.match(token)
    if m:
        return f"<{m.group(1)}{m.group(2).lower()}{m.group(3)}>"
    if token.startswith("{{"):
        return "{{" + token[2:-2].strip() + "}}"
    return token


def _tag(norm: str) -> tuple[str, str] | None:
    """('open'|'close', name) for a normalised paired tag; None for others (self-closing too)."""
    if not norm.startswith("<") or norm.endswith("/>"):
        return None
    return ("close", norm[2:-1]) if norm.startswith("</") else ("open", norm[1:-1])


def _variables(text: str, masked: list[tuple[int, int]] | None = None) -> list[tuple[str, int, int]]:
    """(normalised token, start, end) of every literal variable outside the masked spans
    (sorted, not overlapping: the code placeholders)."""
    masked = masked or []
    starts = [s for s, _ in masked]
    out = []
    for m in VARIABLE.finditer(text):
        k = bisect.bisect_left(starts, m.end()) - 1  # the last masked span starting before the match ends
        if k >= 0 and masked[k][1] > m.start():
            continue
        out.append((_norm(m.group(0)), m.start(), m.end()))
    return out


def _code_list(codes: dict, side: str) -> list[dict] | None:
    v = codes.get(side)
    if not isinstance(v, list):
        return None
    return [c for c in v if isinstance(c, dict) and isinstance(c.get("ph"), str) and _PLACEHOLDER.fullmatch(c["ph"])]


def _locate(text: str, codes: list[dict]) -> list[tuple[int, int] | None]:
    """Where each code's placeholder is in the text, in order (None when it is not there)."""
    out: list[tuple[int, int] | None] = []
    pos = 0
    for c in codes:
        i = text.find(c["ph"], pos)
        if i < 0:
            i = text.find(c["ph"])
        if i < 0:
            out.append(None)
            continue
        out.append((i, i + len(c["ph"])))
        pos = i + len(c["ph"])
    return out


def mask_codes(text: str | None, codes) -> str | None:
    """The text with its inline-code placeholders (``{1}``, ``{/1}`` of ``codes['target']``) blanked
    by as many spaces, so other rules (numbers, length, spacing) do not read them as content and
    their evidence offsets still point into the original text."""
    if not text or not isinstance(codes, dict):
        return text
    spans = [w for w in _locate(text, _code_list(codes, "target") or []) if w]
    if not spans:
        return text
    chars = list(text)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    return "".join(chars)


def _show(code: dict) -> str:
    markup = " ".join(str(code.get("markup") or "").split())
    if not markup:
        return code["ph"]
    return f"{code['ph']} ({markup[:SHOW] + '…' if len(markup) > SHOW else markup})"


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def _nesting(seq: list[tuple[str, str, int]]) -> list[tuple[str, str, str, int]]:
    """Problems of open/close pairs in a sequence of (kind, name, index): (problem, name, other
    name, index) where problem is 'early' (closes before it opens) or 'overlap' (closes while
    ``other`` opened inside it is still open). Only pairs whose both halves are present count.
    Linear: a close that is not the innermost open removes its open lazily."""
    opens = Counter(n for k, n, _ in seq if k == "open")
    closes = Counter(n for k, n, _ in seq if k == "close")
    stack: list[str] = []
    open_now: Counter = Counter()   # names open on the stack (not yet closed)
    dead: Counter = Counter()       # closed out of order: still on the stack, to skip
    seen_open: Counter = Counter()
    out = []
    for kind, name, i in seq:
        if not (opens[name] and closes[name]):
            continue
        if kind == "open":
            stack.append(name)
            open_now[name] += 1
            seen_open[name] += 1
            continue
        while stack and dead[stack[-1]]:
            dead[stack[-1]] -= 1
            stack.pop()
        if stack and stack[-1] == name:
            stack.pop()
            open_now[name] -= 1
        elif open_now[name]:
            out.append(("overlap", name, stack[-1], i))
            open_now[name] -= 1
            dead[name] += 1
        elif not seen_open[name]:
            out.append(("early", name, "", i))
    return out


def _code_hits(u, codes: dict):
    target = u.target or ""
    tgt = _code_list(codes, "target") or []
    src = _code_list(codes, "source")
    where = _locate(target, tgt)
    spans: dict[str, list[dict]] = {}
    for c, w in zip(tgt, where, strict=True):
        if w:
            spans.setdefault(c["ph"], []).append(span("target", target, *w))
    if src is not None:
        cs, ct = Counter(c["ph"] for c in src), Counter(c["ph"] for c in tgt)
        first: dict[str, dict] = {}
        for c in (*src, *tgt):
            first.setdefault(c["ph"], c)
        for ph in sorted(cs.keys() | ct.keys(), key=lambda p: (int(p.strip("{}/")), p.startswith("{/"))):
            if cs[ph] == ct[ph]:
                continue
            code = first[ph]
            ev = list(spans.get(ph, ()))
            if u.source and ph in u.source:
                i = u.source.find(ph)
                ev.append(span("source", u.source, i, i + len(ph)))
            if not ct[ph]:
                yield Hit(u, f"Inline code {_show(code)} of the source is missing from the translation of "
                             f"{u.label}.", ev)
            elif not cs[ph]:
                yield Hit(u, f"Inline code {_show(code)} in the translation of {u.label} is not in its source.", ev)
            else:
                yield Hit(u, f"Inline code {_show(code)} appears {_times(ct[ph])} in the translation of "
                             f"{u.label}, {_times(cs[ph])} in its source.", ev)
    seq = [(c["kind"], c["ph"].strip("{}/"), i) for i, c in enumerate(tgt) if c.get("kind") in ("open", "close")]
    first_open: dict[str, int] = {}
    for i, c in enumerate(tgt):
        if c.get("kind") == "open":
            first_open.setdefault(c["ph"], i)
    for problem, n, other, i in _nesting(seq):
        at, opened_at = where[i], None
        ev = [span("target", target, *at)] if at else []
        if problem == "early":
            opener = first_open.get(f"{{{n}}}")
            opened_at = where[opener] if opener is not None else None
            if opened_at:
                ev.append(span("target", target, *opened_at))
            yield Hit(u, f"Inline code {_show(tgt[i])} closes before {{{n}}} opens in the translation of "
                         f"{u.label}: the paired code is reversed.", ev)
        else:
            yield Hit(u, f"Inline code {_show(tgt[i])} closes while {{{other}}} opened inside it is still open "
                         f"in the translation of {u.label}: paired codes out of nesting order.", ev)


def _literal_hits(u, codes: dict | None):
    source, target = u.source, u.target
    tgt_codes = (_code_list(codes, "target") or []) if codes else []
    masked = sorted(w for w in _locate(target, tgt_codes) if w)
    sv = _variables(source)
    tv = _variables(target, masked)
    natives = [t for c in tgt_codes for t, _, _ in _variables(str(c.get("native") or ""))]
    cs = Counter(t for t, _, _ in sv)
    ct = Counter(t for t, _, _ in tv) + Counter(natives)
    where: dict[str, list[dict]] = {}
    for field_, text, found in (("target", target, tv), ("source", source, sv)):
        for t, s, e in found:
            where.setdefault(t, []).append(span(field_, text, s, e))
    for tok in sorted(cs.keys() | ct.keys()):
        if cs[tok] == ct[tok]:
            continue
        what = "tag" if tok.startswith("<") else "variable"
        ev = where.get(tok, [])
        if not ct[tok]:
            yield Hit(u, f"The {what} {tok} of the English is missing from the translation of {u.label}.", ev)
        elif not cs[tok]:
            yield Hit(u, f"The translation of {u.label} has the {what} {tok}, which its English does not.", ev)
        else:
            yield Hit(u, f"The {what} {tok} appears {_times(ct[tok])} in the translation of {u.label}, "
                         f"{_times(cs[tok])} in the English.", ev)
    seq = [(tag[0], tag[1], i) for i, (t, _, _) in enumerate(tv) if (tag := _tag(t))]
    for problem, name, other, i in _nesting(seq):
        _, s, e = tv[i]
        if problem == "early":
            yield Hit(u, f"The tag </{name}> closes before <{name}> opens in the translation of {u.label}.",
                      [span("target", target, s, e)])
        else:
            yield Hit(u, f"The tag </{name}> closes while <{other}> opened inside it is still open in the "
                         f"translation of {u.label}.", [span("target", target, s, e)])


@register("QA408", "inline-codes", "error",
          "Inline codes (XLIFF/TMX tags, shown as `{1}`…`{/1}`) or literal variables (`{0}`, `%s`, `{{x}}`, "
          "`<b>`) missing, added or out of order in the translation.",
          rationale="A tag or variable lost in translation breaks the file when the TMS merges it back, or "
                    "shows the reader a raw '{0}'. Codes are compared with the unit's own source (same code, "
                    "as often; paired codes open before they close and nest); variables and HTML-like tags "
                    "with the English (tags by name, so a translated title attribute is fine).\n\nBad: "
                    "source 'Click {1}Save{/1} to keep {2}' → 'Kliknij {1}Zapisz, aby zachować' ({/1} and {2} "
                    "lost). Good: 'Kliknij {1}Zapisz{/1}, aby zachować {2}'. Bad: English 'Hello %s' → "
                    "'Witaj'. Good: 'Witaj %s'.",
          group=G)
def inline_codes(u, env, opts):
    if not u.target:
        return
    codes = u.codes if isinstance(u.codes, dict) else None
    hits = []
    if codes:
        hits = _code_hits(u, codes)
    if u.source:
        hits = itertools.chain(hits, _literal_hits(u, codes))
    shown = list(itertools.islice(hits, MAX_HITS + 1))
    yield from shown[:MAX_HITS]
    if len(shown) > MAX_HITS:
        more = 1 + sum(1 for _ in hits)
        yield Hit(u, f"{more} more inline code or variable problem(s) in the translation of {u.label} "
                     f"(only the first {MAX_HITS} are listed).", [])
