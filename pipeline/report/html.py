"""The reviewer's HTML report: a dashboard, and per language an overview, search pages and one
page per skill.

Jinja2 renders with autoescape on; the only markup built in Python comes from the
helpers below, which escape every piece of data they wrap. The pages carry a Content
Security Policy that allows no request but the style sheet and script beside them (:data:`CSP`),
and no inline script, so even a bug elsewhere cannot make a translation run as code or fetch
anything.
"""

from __future__ import annotations

import html
import re
from importlib import resources

import jinja2
from markupsafe import Markup, escape

from pipeline.report.model import LangView, check_meta, draft_source, key_label
from pipeline.text.normalize import word_diff_ops

TEMPLATES = "templates"
# Runs of Latin letters/digits (codes like CSMG, "SFIA 9", numbers) inside right-to-left
# text: isolated so that the bidi algorithm keeps them readable and in place.
# A token is a run of non-space characters with a Latin letter or digit and no
# right-to-left letter; a run is tokens separated by spaces ("SFIA 9", "<b>x</b>").
_RTL_CHARS = "\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF"
_TOKEN = rf"[^\s{_RTL_CHARS}]*[0-9A-Za-z\u00C0-\u024F][^\s{_RTL_CHARS}]*"
_LTR_RUN = re.compile(rf"{_TOKEN}(?:[ \t]+{_TOKEN})*")
_TRAIL = ".,:;!?\u060C\u061B"  # sentence punctuation belongs to the right-to-left sentence


def isolate(text: str | None, rtl: bool) -> Markup:
    """Escaped text; in right-to-left text, Latin/digit runs are wrapped in <bdi dir=ltr>."""
    if text is None:
        return Markup("")
    if not rtl:
        return escape(text)
    out, pos = [], 0
    for m in _LTR_RUN.finditer(text):
        s, e = m.start(), m.end()
        while e > s and text[e - 1] in _TRAIL:
            e -= 1
        if e <= s:
            continue
        out.append(escape(text[pos:s]))
        out.append(Markup('<bdi dir="ltr">%s</bdi>') % text[s:e])
        pos = e
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def diff_markup(old: str | None, new: str | None, rtl: bool = False) -> Markup:
    """Word diff of `new` against `old`: <del> for words removed, <ins> for words added."""
    if new is None:
        return Markup("")
    if old is None or old == new:
        return isolate(new, rtl)
    parts = []
    for op, text in word_diff_ops(old, new):
        lead = text[: len(text) - len(text.lstrip())]
        body = text[len(lead):]
        if op == "=":
            parts.append(isolate(text, rtl))
        elif op == "-":
            parts.append(escape(lead) + Markup("<del>%s</del>") % isolate(body, rtl))
        else:
            parts.append(escape(lead) + Markup("<ins>%s</ins>") % isolate(body, rtl))
    return Markup("").join(parts)


def spans_in(text: str, evidence: list[dict], field: str) -> list[tuple[int, int]]:
    """Valid (start, end) spans of one field, merged; a span whose offsets do not match its
    text is found by its text instead; one that cannot be found is dropped."""
    out = []
    for e in evidence:
        if (e.get("field") or "target") != field:
            continue
        s, t, snippet = e.get("start"), e.get("end"), e.get("text")
        if isinstance(s, int) and isinstance(t, int) and 0 <= s < t <= len(text) and \
                (not snippet or text[s:t] == snippet):
            out.append((s, t))
        elif snippet and snippet in text:
            i = text.index(snippet)
            out.append((i, i + len(snippet)))
    out.sort()
    merged: list[list[int]] = []
    for s, t in out:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], t)
        else:
            merged.append([s, t])
    return [(s, t) for s, t in merged]


def highlight(text: str | None, spans: list[tuple[int, int]], rtl: bool = False, context: int = 80) -> Markup:
    """`text` with <mark> around the spans; a long text is cut to the spans and `context`
    characters around them (at word boundaries), with an ellipsis for what was left out."""
    if text is None:
        return Markup("")
    if spans and len(text) > 2 * context + 40:
        lo, hi = max(0, spans[0][0] - context), min(len(text), spans[-1][1] + context)
        if lo > 0:
            lo = text.find(" ", lo, spans[0][0]) + 1 or lo
        if hi < len(text):
            hi = text.rfind(" ", spans[-1][1], hi) if text.rfind(" ", spans[-1][1], hi) > 0 else hi
        inner = highlight(text[lo:hi], [(s - lo, t - lo) for s, t in spans], rtl, context=len(text))
        return Markup("").join([Markup("… ") if lo > 0 else Markup(""), inner,
                                Markup(" …") if hi < len(text) else Markup("")])
    parts, pos = [], 0
    for s, t in spans:
        parts.append(isolate(text[pos:s], rtl))
        parts.append(Markup("<mark>%s</mark>") % isolate(text[s:t], rtl))
        pos = t
    parts.append(isolate(text[pos:], rtl))
    return Markup("").join(parts)


def evidence_cell(text: str | None, findings: list[dict], field: str, framework: int, rtl: bool = False,
                  old: str | None = None) -> Markup:
    """A text cell with every finding's evidence marked in place: ``<mark class="ev">`` carries the
    ids of the findings it belongs to (``data-f``), their checks as its title, is described by the
    findings (``aria-describedby``) and is focusable: hovering or tabbing to it names the check and
    highlights the finding beside it. A cell without evidence shows the word diff
    against ``old`` (when given) instead."""
    if text is None:
        return Markup("")
    per: list[tuple[int, int, dict]] = []
    for f in findings:
        if (f.get("framework") or 9) != framework:
            continue
        for s, t in spans_in(text, f["evidence"], field):
            per.append((s, t, f))
    if not per:
        return diff_markup(old, text, rtl) if old is not None else isolate(text, rtl)
    changes = Markup("")
    if old is not None and old != text:
        changes = Markup('<details class="diff"><summary>changes</summary>%s</details>') % diff_markup(old, text, rtl)
    cuts = sorted({0, len(text)} | {s for s, _, _ in per} | {t for _, t, _ in per})
    parts: list[Markup] = []
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        covering = [f for s, t, f in per if s <= a and b <= t]
        piece = isolate(text[a:b], rtl)
        if not covering:
            parts.append(piece)
            continue
        ids = " ".join(dict.fromkeys(f["id"] for f in covering))
        # the title names the check; the finding itself (its message) is the element the mark is
        # described by, highlighted with it on hover and focus: a message repeated on every
        # highlighted word made a page of spelling findings 1 MB
        title = "; ".join(dict.fromkeys(f"{f['code']} {f['check']}" for f in covering))
        described = " ".join(f"f-{i}" for i in dict.fromkeys(f["id"] for f in covering))
        worst = min((f["severity"] for f in covering), key=lambda x: ("error", "warning", "info").index(x))
        parts.append(Markup('<mark class="ev ev-%s" data-f="%s" tabindex="0" title="%s" aria-describedby="%s">%s</mark>')
                     % (worst, ids, title, described, piece))
    return Markup("").join(parts) + changes


# Text an HTML parser changes on its way into the page's text: carriage returns become line feeds,
# NULs are dropped; other control characters are kept as they are but are rare enough to not bet on.
_PARSER_CHANGES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TAG = re.compile(r"<[^>]*>")


def shown_as_is(markup: Markup | str, text: str) -> bool:
    """Whether an element holding ``markup`` (this module's own markup: escaped text, tags and
    no comments) has exactly ``text`` as its ``textContent`` in the browser. A translation cell
    whose text is shown as is need not carry it a second time (``data-text``) for the page's
    script to edit and export it: the script reads the cell's text instead. Anything else
    (a diff, a label, a character the parser changes) keeps ``data-text``."""
    if _PARSER_CHANGES.search(text):
        return False
    shown = str(markup)
    if "<" in shown or "&" in shown:
        shown = html.unescape(_TAG.sub("", shown))
    return shown == text


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    try:
        return f"{float(value):.{digits}f}"
    except (TypeError, ValueError):
        return str(value)


def ci(pair, digits: int = 1) -> str:
    if not pair or len(pair) != 2 or pair[0] is None:
        return ""
    return f"[{fmt(pair[0], digits)}, {fmt(pair[1], digits)}]"


def _read(name: str) -> str:
    return (resources.files("pipeline") / TEMPLATES / name).read_text(encoding="utf-8")


class _Environment(jinja2.Environment):
    """The pages' templates read the views' dicts as ``row.skill``. Jinja first asks a dict for
    such an attribute, which fails (an exception each time, a fifth of the pages' rendering),
    and then for the item. A name that is no attribute of a dict is looked up as an item
    straight away here: the same value, or the same undefined, as Jinja's own order gives."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


_DICT_ATTRIBUTES = frozenset(dir(dict))


def environment() -> jinja2.Environment:
    env = _Environment(loader=jinja2.PackageLoader("pipeline", TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters.update(fmt=fmt, ci=ci)
    env.globals.update(isolate=isolate, diff=diff_markup, highlight=highlight, spans_in=spans_in,
                       check_meta=check_meta, key_label=key_label, evidence_cell=evidence_cell,
                       draft_source=draft_source, shown_as_is=shown_as_is)
    return env


def warm(env: jinja2.Environment) -> None:
    """Compile the page templates once, here: processes that render pages inherit them."""
    for name in ("index.html.j2", "lang.html.j2", "search.html.j2", "skill.html.j2"):
        env.get_template(name)


ASSETS = "assets"  # the reports' folder of the pages' style sheet and script (:func:`pipeline.report.write_assets`)
_ASSET_FILES = ("report.css", "report.js")
# Scripts and styles only from files beside the pages: 'self' where the reports are served, and
# the file: scheme where they are opened from disk (what 'self' means for a file: page is left to
# each browser; a scheme source is not). No inline script runs, whatever a translation holds.
CSP = ("default-src 'none'; script-src 'self' file:; style-src 'self' file: 'unsafe-inline'; "
       "img-src data:; base-uri 'none'; form-action 'none'")


def assets() -> dict:
    """What the page template needs to link the shared style sheet and script."""
    return {"css": f"{ASSETS}/report.css", "js": f"{ASSETS}/report.js", "folder": ASSETS, "csp": CSP}


def asset_files() -> dict[str, bytes]:
    """The shared files every page links (name under the reports folder -> bytes), written once
    per run instead of inline in each of a language's 150 pages (4 MB a language)."""
    return {f"{ASSETS}/{name}": _read(name).encode("utf-8") for name in _ASSET_FILES}


def render_index(env, views: list[LangView], ctx_info: dict) -> str:
    return env.get_template("index.html.j2").render(views=views, assets=assets(), base="", **ctx_info)


def render_lang(env, view: LangView, views: list[LangView], ctx_info: dict) -> str:
    """The language's overview: skills ranked by errors and warnings, drift, review progress."""
    return env.get_template("lang.html.j2").render(v=view, views=views, assets=assets(), base="",
                                                   rtl=view.direction == "rtl", **ctx_info)


def render_search(env, view: LangView, views: list[LangView], ctx_info: dict, side: str = "tgt") -> str:
    """A search page of the language: every segment's translation (``side`` "tgt") or English
    ("en"), searched in the browser. Two pages, not one: both texts of a full framework together
    come close to the page-size budget (1.5 MB) for Arabic."""
    return env.get_template("search.html.j2").render(v=view, views=views, assets=assets(), base="../", side=side,
                                                     rtl=view.direction == "rtl", **ctx_info)


def render_skill(env, view: LangView, skill, views: list[LangView], ctx_info: dict) -> str:
    """One skill page of a language (in the language's folder: links go up one level)."""
    return env.get_template("skill.html.j2").render(v=view, s=skill, views=views, assets=assets(), base="../",
                                                    rtl=view.direction == "rtl", **ctx_info)
