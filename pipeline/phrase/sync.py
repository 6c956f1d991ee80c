"""Pull translations from Phrase into ``translations/`` and push QA findings back.

Pull writes ``translations/<lang>/phrase/sfia-<N>.jsonl``: one JSON object per SFIA key,
sorted in reading order, with ``key``, ``text``, ``state``, ``locale`` (the language folder),
``locale_code`` (Phrase's code) and the Phrase ids. Every file of a pull is written to a
temporary file first and renamed only when every locale has been fetched, so a failed pull
leaves the previous files untouched.

Push reads ``reports/findings.jsonl``, maps each finding at or above a severity to its key
(:func:`pipeline.keys.format_key`), and posts one comment per finding, carrying a marker
``[sfia-qa:<hash>]`` so a re-run recognises what it already posted; with error findings
it also marks the translation unverified. Without ``apply`` it only reads and reports.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import langdata
from pipeline.errors import ConfigError, InputError, UserError
from pipeline.ioutil import _umask, iter_jsonl, read_regular
from pipeline.keys import DEFAULT_PATTERN, format_key, parse_key
from pipeline.phrase import errors as E
from pipeline.phrase.client import PageCache, PhraseClient
from pipeline.phrase.http import check_items, shorten
from pipeline.schema import ELEMENT_ORDER, SEVERITY_RANK

MARKER_RE = re.compile(r"\[sfia-qa:([0-9a-f]{12})\]")
CACHE_DIR = ".phrase-cache"
# A BCP-47 language tag as a folder name: language (2-3 letters), optional script (4 letters),
# optional region (2 letters or 3 digits), variants. No dots, no slashes: it cannot climb out.
LOCALE_TAG = re.compile(r"[a-z]{2,3}(?:-[a-z]{4})?(?:-(?:[a-z]{2}|[0-9]{3}))?"
                        r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*", re.IGNORECASE | re.ASCII)


# ---------------------------------------------------------------------------- locales
def lang_of(locale: dict, locale_map: dict[str, str]) -> str:
    """The language folder for a Phrase locale: ``[phrase.locale_map]`` or its code."""
    code = locale.get("code") or locale.get("name") or ""
    if not isinstance(code, str):
        return ""
    folder = locale_map.get(code, code)
    if not isinstance(folder, str):
        raise ConfigError("[phrase.locale_map]", f"{code!r} must map to a language folder name (a string)")
    return langdata.normalize_tag(folder)


def check_folder_tag(locale: dict, lang: str, locale_map: dict, project: str) -> None:
    """Refuse a locale whose folder name is not a BCP-47 tag (a hostile or broken server, or a
    bad ``[phrase.locale_map]`` entry): it would name a path outside ``--out``."""
    if LOCALE_TAG.fullmatch(lang):
        return
    code = locale.get("code")
    if isinstance(code, str) and code in locale_map:
        raise ConfigError("[phrase.locale_map]", f"{shorten(code)!r} maps to {shorten(lang)!r}, which is not a "
                                                 "BCP-47 language tag (such as pl or pt-BR); it cannot name a folder")
    raise E.LocaleCodeError(f"phrase project {project}",
                            f"locale {shorten(repr(code))} (id {shorten(repr(locale.get('id')))}) has a code that is "
                            "not a BCP-47 language tag (such as pl or pt-BR); refusing to use it as a folder "
                            "name; nothing written (map it with [phrase.locale_map] or leave it out with --locales)")


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def confined(path: Path, root: Path) -> bool:
    """Whether ``path``'s folder, symbolic links resolved, lies inside ``root`` (resolved)."""
    return _real(path.parent).is_relative_to(root) and path.name not in ("", ".", "..")


def select_locales(locales: list[dict], wanted: Iterable[str] | None, locale_map: dict[str, str],
                   project: str) -> list[dict]:
    """Locales matching ``wanted`` (code, name, id or language folder); by default every
    locale except the project's default (source) locale."""
    wanted = [w.strip() for w in (wanted or []) if w.strip()]
    if not wanted:
        return sorted((loc for loc in locales if not loc.get("default")), key=lambda x: x.get("code") or "")
    out, missing = [], []
    for w in wanted:
        hits = [loc for loc in locales
                if w in (loc.get("code"), loc.get("name"), loc.get("id")) or lang_of(loc, locale_map) == w]
        if not hits:  # 'pl' also finds 'pl-PL' when that is the only Polish locale
            hits = [loc for loc in locales if langdata.base_tag(loc.get("code") or "") == w.lower()]
        if len(hits) != 1:
            missing.append(w if not hits else f"{w} (ambiguous: {', '.join(h.get('code', '') for h in hits)})")
        elif hits[0] not in out:
            out.append(hits[0])
    if missing:
        codes = sorted(shorten(str(loc.get("code") or "?"), 40) for loc in locales)
        have = ", ".join(codes[:30]) + (f" and {len(codes) - 30} more" if len(codes) > 30 else "") or "none"
        raise E.NotFoundError(f"phrase project {project}",
                              f"locale(s) {shorten(', '.join(missing))} not found; the project has: {have}")
    return out


# ---------------------------------------------------------------------------- pull
@dataclass
class PullResult:
    files: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    per_locale: dict[str, int] = field(default_factory=dict)
    ignored: int = 0


def _state(t: dict) -> str:
    if t.get("state"):
        return str(t["state"])
    return "unverified" if t.get("unverified") else "translated"


def _order(rec: dict, parsed: dict) -> tuple:
    idx = parsed["level"] if parsed["element"] == "level" else parsed["item"]
    return (parsed["framework"] or 0, parsed["skill"], ELEMENT_ORDER[parsed["element"]], idx or 0, rec["key"])


def locale_records(translations: list[dict], locale: dict, lang: str, pattern: str,
                   default_framework: int) -> tuple[dict[int, list[dict]], int]:
    """Phrase translations of one locale -> {framework: records in reading order}, ignored count."""
    by_fw: dict[int, list[tuple]] = {}
    seen: set[str] = set()
    ignored = 0
    for t in translations:
        key = (t.get("key") or {}).get("name")
        try:
            parsed = parse_key(key, pattern) if isinstance(key, str) and len(key) <= 500 else None
        except ValueError:  # e.g. a framework number too long for int()
            parsed = None
        if parsed is None or t.get("plural_suffix"):
            ignored += 1  # not a SFIA key (Phrase projects hold other strings too) or a plural form
            continue
        if key in seen or not isinstance(key, str):
            continue
        seen.add(key)
        fw = parsed["framework"] or default_framework
        rec = {"key": key, "text": t.get("content") or "", "state": _state(t), "locale": lang,
               "locale_code": locale.get("code"), "translation_id": t.get("id"),
               "key_id": (t.get("key") or {}).get("id"), "locale_id": locale.get("id"),
               "unverified": bool(t.get("unverified"))}
        by_fw.setdefault(fw, []).append((_order(rec, parsed), rec))
    return {fw: [r for _, r in sorted(rows, key=lambda x: x[0])] for fw, rows in by_fw.items()}, ignored


def fetch_all(items: list, fetch: Callable, key: Callable, name: Callable, workers: int,
              prefix: str) -> tuple[dict, list[str]]:
    """``fetch(item)`` for every item, ``workers`` at a time, stopping at the first failure:
    ({key(item): result} of those that arrived, ["<name>: <one line>"] of those that failed). A
    pull writes nothing unless every item arrived."""
    results: dict = {}
    failures: list[str] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=prefix) as pool:
        futs = {pool.submit(fetch, it): it for it in items}
        done, pending = wait(futs, return_when=FIRST_EXCEPTION)
        for f in pending:
            f.cancel()
        for f in list(done) + list(pending):
            if f.cancelled():
                continue
            it = futs[f]
            try:
                results[key(it)] = f.result()
            except UserError as e:
                failures.append(f"{name(it)}: {e.line()}")
    return results, failures


def pull(client: PhraseClient, project: str, out: Path, *, locales: Iterable[str] | None = None,
         pattern: str = DEFAULT_PATTERN, default_framework: int = 9, locale_map: dict | None = None,
         tag: str | None = None, say: Callable[[str], None] = lambda s: None) -> PullResult:
    locale_map = dict(locale_map or {})
    out = Path(out)
    all_locales = client.locales(project)
    chosen = select_locales(all_locales, locales, locale_map, project)
    if not chosen:
        raise E.NotFoundError(f"phrase project {project}", "the project has no locales besides the default one; "
                                                            "name them with --locales")
    langs = [lang_of(loc, locale_map) for loc in chosen]
    for loc, lang in zip(chosen, langs, strict=True):
        check_folder_tag(loc, lang, locale_map, project)
    dup = {x for x in langs if langs.count(x) > 1}
    if dup:
        raise ConfigError("[phrase] locale_map", f"several locales map to the same folder {', '.join(sorted(dup))}")
    q = f"tags:{tag}" if tag else None

    def fetch(loc):
        return client.locale_translations(project, loc["id"], q=q)

    results, failures = fetch_all(chosen, fetch, lambda loc: loc["id"], lambda loc: str(loc.get("code")),
                                  client.max_workers, "phrase-pull")
    if failures or len(results) != len(chosen):
        not_done = len(chosen) - len(results)
        raise E.PullError("phrase pull", f"{not_done} of {len(chosen)} locale(s) not pulled, previous files kept; "
                                         + "; ".join(sorted(failures)))

    res = PullResult()
    files: dict[Path, str] = {}
    root = _real(out)
    for loc, lang in zip(chosen, langs, strict=True):
        by_fw, ignored = locale_records(results[loc["id"]], loc, lang, pattern, default_framework)
        res.ignored += ignored
        res.per_locale[lang] = sum(len(v) for v in by_fw.values())
        folder = out / lang / "phrase"
        if not confined(folder / "sfia-9.jsonl", root):
            raise E.PullError(folder, f"leads outside {out} (a symbolic link?); refusing to write or delete "
                                      "there; previous files kept")
        for fw, recs in sorted(by_fw.items()):
            if not any(r["text"].strip() for r in recs):
                continue  # nothing translated yet: an empty file would only fail ingest
            files[folder / f"sfia-{fw}.jsonl"] = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)
        for old in sorted(folder.glob("sfia-*.jsonl")) if folder.is_dir() else []:
            if old not in files:
                res.removed.append(old)
    _commit(files, res.removed, root)
    res.files = sorted(files)
    return res


def _commit(files: dict[Path, str], remove: list[Path], root: Path) -> None:
    """Write every file to a temporary beside it, then rename them all; on any error
    delete the temporaries and leave the old files as they were. Every path written or
    deleted must lie inside ``root`` (checked again here, symbolic links resolved)."""
    for path in [*files, *remove]:
        if not confined(path, root):
            raise E.PullError(path, f"leads outside {root} (a symbolic link?); refusing to write or delete there; "
                                    "previous files kept")
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in sorted(files.items()):
            path.parent.mkdir(parents=True, exist_ok=True)
            if not confined(path, root):  # a link planted while we were busy
                raise OSError(0, f"{path.parent} leads outside {root}")
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.fchmod(fd, 0o666 & ~_umask())  # a pulled file is a translation file like any other, not private
            staged.append((tmp, path))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
    except OSError as e:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        bad = staged[-1][1] if staged else "translations"
        raise InputError(bad, f"cannot write the pulled file ({e.strerror or e}); previous files kept") from None
    for tmp, path in staged:
        os.replace(tmp, path)
    for old in remove:
        with contextlib.suppress(FileNotFoundError):
            old.unlink()


# ---------------------------------------------------------------------------- cache
def cache_path(out: Path, base_url: str, project: str) -> Path:
    h = hashlib.sha256(f"{base_url.rstrip('/')}|{project}".encode()).hexdigest()[:16]
    return Path(out) / CACHE_DIR / f"{h}.json"


def load_cache(path: Path) -> PageCache:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        pages = data["pages"] if isinstance(data, dict) and isinstance(data.get("pages"), dict) else {}
    except (OSError, ValueError, KeyError):
        pages = {}  # no cache or a damaged one: fetch everything afresh
    return PageCache(pages)


def save_cache(path: Path, cache: PageCache) -> None:
    from pipeline.ioutil import write_text

    # Only pages seen in this pull: a locale dropped from the project drops out of the cache.
    write_text(path, json.dumps({"version": 1, "pages": cache.used}, ensure_ascii=False, sort_keys=True))


# ---------------------------------------------------------------------------- push
def read_findings(path: Path) -> list[dict]:
    path = Path(path)
    if not path.exists():
        raise InputError(path, "findings file not found: run `make qa` (or sfia-qa run) first")
    try:
        text = read_regular(path).decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(path, f"cannot read: {e}") from None
    out = []
    for n, obj in iter_jsonl(text, str(path), "a JSON object (a finding)"):
        missing = [c for c in ("code", "severity", "lang", "message") if c not in obj]
        if missing:
            raise InputError(f"{path}:{n}", f"finding lacks {', '.join(missing)}")
        if obj["severity"] not in SEVERITY_RANK:
            raise InputError(f"{path}:{n}", f"unknown severity {obj['severity']!r}: expected error, warning or info")
        obj["_line"] = n
        out.append(obj)
    return out


def marker(f: dict, key: str) -> str:
    h = hashlib.sha256("|".join([str(f.get("code")), str(f.get("lang")), key,
                                 " ".join(str(f.get("message")).split())]).encode()).hexdigest()[:12]
    return f"[sfia-qa:{h}]"


def comment_text(f: dict, key: str) -> str:
    lines = [f"sfia-qa {f['code']} ({f['severity']}, {f.get('check') or 'check'}) [{f['lang']}]: "
             f"{' '.join(str(f['message']).split())}"]
    ev = [e.get("text") for e in (f.get("evidence") or []) if isinstance(e, dict) and e.get("text")]
    if ev:
        lines.append("Evidence: " + " | ".join(f"«{t}»" for t in ev[:5]))
    lines.append(marker(f, key))
    return "\n".join(lines)


@dataclass(order=True)
class Action:
    key: str
    lang: str
    kind: str  # 'comment' or 'unverify'
    detail: str
    key_id: str | None = field(default=None, compare=False)
    locale_id: str | None = field(default=None, compare=False)
    translation_id: str | None = field(default=None, compare=False)
    message: str | None = field(default=None, compare=False)
    marker: str | None = field(default=None, compare=False)

    def line(self, done: bool) -> str:
        verb = {"comment": ("would comment", "commented"), "unverify": ("would unverify", "unverified")}[self.kind]
        return f"{verb[done]:<15} {self.key} [{self.lang}] {self.detail}"


@dataclass
class PushPlan:
    actions: list[Action] = field(default_factory=list)
    already: int = 0
    skipped: list[str] = field(default_factory=list)


def _key_of(f: dict, pattern: str, default_framework: int) -> str | None:
    if not f.get("skill") or not f.get("element"):
        return None
    try:
        return format_key(f["skill"], f["element"], f.get("level"), f.get("item"),
                          f.get("framework") or default_framework, pattern)
    except (KeyError, ValueError, TypeError):
        return None


def plan_push(client: PhraseClient, project: str, findings: list[dict], *, min_severity: str = "warning",
              pattern: str = DEFAULT_PATTERN, default_framework: int = 9,
              locale_map: dict | None = None) -> PushPlan:
    locale_map = dict(locale_map or {})
    plan = PushPlan()
    floor = SEVERITY_RANK[min_severity]
    by_key: dict[str, list[dict]] = {}
    for f in findings:
        if SEVERITY_RANK[f["severity"]] < floor:
            continue
        key = _key_of(f, pattern, default_framework)
        if key is None:
            plan.skipped.append(f"line {f['_line']}: {f['code']} is not about one segment")
            continue
        by_key.setdefault(key, []).append(f)
    if not by_key:
        return plan
    locales = client.locales(project)
    loc_by_lang: dict[str, dict] = {}
    for loc in locales:
        loc_by_lang.setdefault(lang_of(loc, locale_map), loc)
        loc_by_lang.setdefault(langdata.base_tag(loc.get("code") or ""), loc)

    def inspect(key: str):
        k = client.find_key(project, key)
        if k is None:
            return key, None, set(), {}
        have: set[str] = set()
        for c in client.comments(project, k["id"]):
            have.update(f"[sfia-qa:{m}]" for m in MARKER_RE.findall(c.get("message") or ""))
        trans = {}
        if any(f["severity"] == "error" for f in by_key[key]):
            for t in client.key_translations(project, k["id"]):
                lid = (t.get("locale") or {}).get("id")
                if lid and not t.get("plural_suffix"):
                    trans[lid] = t
        return key, k, have, trans

    with ThreadPoolExecutor(max_workers=client.max_workers, thread_name_prefix="phrase-push") as pool:
        inspected = list(pool.map(inspect, sorted(by_key)))
    unverify_seen: set[str] = set()
    for key, k, have, trans in inspected:
        for f in by_key[key]:
            lang = langdata.normalize_tag(str(f["lang"]))
            found = loc_by_lang.get(lang) or loc_by_lang.get(langdata.base_tag(lang))
            if k is None:
                plan.skipped.append(f"line {f['_line']}: key {key} is not in the Phrase project")
                continue
            if found is None:
                plan.skipped.append(f"line {f['_line']}: language {lang} is not a locale of the project")
                continue
            loc = found
            m = marker(f, key)
            if m in have:
                plan.already += 1
            else:
                have.add(m)
                plan.actions.append(Action(key, lang, "comment", f"{f['code']} {f['severity']}: "
                                           f"{' '.join(str(f['message']).split())[:100]}", key_id=k["id"],
                                           locale_id=loc["id"], message=comment_text(f, key), marker=m))
            if f["severity"] == "error":
                t = trans.get(loc["id"])
                if t is None:
                    plan.skipped.append(f"line {f['_line']}: {key} has no {lang} translation to unverify")
                elif t.get("unverified") or t["id"] in unverify_seen:
                    continue
                else:
                    unverify_seen.add(t["id"])
                    plan.actions.append(Action(key, lang, "unverify", f"{f['code']} error", key_id=k["id"],
                                               locale_id=loc["id"], translation_id=t["id"]))
    plan.actions.sort()
    return plan


def comment_once(client: PhraseClient, project: str, key_id: str, message: str, marker: str,
                 locale_ids: list[str] | None) -> None:
    """Post a key comment carrying ``marker``; when the answer to the POST is lost, look for the
    marker among the key's comments before posting again (the POST may have landed)."""
    try:
        client.create_comment(project, key_id, message, locale_ids)
    except E.AmbiguousWriteError:
        posted = any(marker in (c.get("message") or "") for c in client.comments(project, key_id))
        if not posted:
            client.create_comment(project, key_id, message, locale_ids)


def apply_push(client: PhraseClient, project: str, plan: PushPlan, say: Callable[[str], None]) -> int:
    """Carry out the plan, 4 at a time; return the number of actions done."""

    def do(a: Action) -> Action:
        if a.kind == "unverify":
            assert a.translation_id is not None  # plan_push sets it for every unverify action
            client.unverify(project, a.translation_id)
            return a
        assert a.key_id is not None and a.message is not None and a.marker is not None  # set for every comment
        comment_once(client, project, a.key_id, a.message, a.marker, [a.locale_id] if a.locale_id else None)
        return a

    return _run_per_key(client, plan.actions, do, say, "phrase-push")


def _run_per_key(client, actions, do, say, thread_prefix: str) -> int:
    """Run each key's actions in plan order (its comments appear in a stable order), keys in
    parallel; print each done action in plan order and return how many were done."""
    per_key: dict[str, list] = {}
    for a in actions:
        per_key.setdefault(a.key, []).append(a)
    with ThreadPoolExecutor(max_workers=client.max_workers, thread_name_prefix=thread_prefix) as pool:
        done = [a for acts in pool.map(lambda acts: [do(a) for a in acts], per_key.values()) for a in acts]
    for a in done:
        say(a.line(True))
    return len(done)


# ---------------------------------------------------------------------------- push: reviewers' decisions
# A review decision's comment carries the decision's fingerprint (16 hex digits).
REVIEW_MARKER_RE = re.compile(r"\[sfia-qa:review:([0-9a-f]{16})\]")
_ID_MAX = 200
COMMENT_QUOTE = 1000  # characters of a text quoted in a comment (the translation itself is never cut)


def review_marker(d) -> str:
    return f"[sfia-qa:review:{d.fingerprint}]"


def _norm(s: str | None) -> str:
    """Text as a reviewer sees it: Unicode NFC, runs of white space as one space."""
    return unicodedata.normalize("NFC", " ".join((s or "").split()))


def _same(a: str | None, b: str | None) -> bool:
    return _norm(a) == _norm(b)


def phrase_key_of(d, pattern: str) -> str | None:
    """A decision's segment key as the configured ``[keys] pattern`` spells it (the key may be
    in that pattern or in the default one); None when it is not a SFIA segment key."""
    for p in dict.fromkeys((pattern, DEFAULT_PATTERN)):
        try:
            parsed = parse_key(d.key, p)
        except ValueError:
            parsed = None
        if parsed is not None:
            try:
                return format_key(parsed["skill"], parsed["element"], parsed["level"], parsed["item"],
                                  parsed["framework"] or d.framework, pattern)
            except (KeyError, ValueError, TypeError):
                return None
    return None


def locale_for(lang: str, locales: list[dict], locale_map: dict[str, str]) -> tuple[dict | None, str]:
    """The Phrase locale a decision's language means: the locale whose ``[phrase.locale_map]``
    folder or code is ``lang``, else the one non-default locale of the same base language.
    -> (locale, "") or (None, why)."""
    lang = langdata.normalize_tag(lang)
    exact = [loc for loc in locales if lang_of(loc, locale_map) == lang
             or langdata.normalize_tag(str(loc.get("code") or "")) == lang]
    if not exact:
        base = langdata.base_tag(lang)
        exact = [loc for loc in locales if not loc.get("default")
                 and langdata.base_tag(str(loc.get("code") or "")) == base]
    exact = list({loc["id"]: loc for loc in exact}.values())
    if len(exact) == 1:
        return exact[0], ""
    if not exact:
        return None, f"language {lang} is not a locale of the project"
    return None, (f"language {lang} matches several locales ({', '.join(sorted(str(x.get('code')) for x in exact))}):"
                  " name one in [phrase.locale_map]")


def _ok_id(v) -> bool:
    return isinstance(v, str) and 0 < len(v) <= _ID_MAX and v.isprintable()


def pulled_index(folder: Path | None) -> dict[tuple[str, str], dict]:
    """(key, locale id) -> {translation_id, key_id} from the files ``pull`` wrote
    (``<folder>/<lang>/phrase/sfia-<N>.jsonl``). Lines whose ids are not plain strings are
    ignored (the file is a cache of ids, not an authority: Phrase is asked for the content)."""
    out: dict[tuple[str, str], dict] = {}
    if folder is None or not Path(folder).is_dir():
        return out
    for path in sorted(Path(folder).glob("*/phrase/sfia-*.jsonl")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(path, f"cannot read the pulled translations: {type(e).__name__}") from None
        for _, rec in iter_jsonl(text, str(path)):
            key, lid = rec.get("key"), rec.get("locale_id")
            if not (isinstance(key, str) and isinstance(lid, str) and _ok_id(key) and _ok_id(lid)):
                continue
            ids = {name: rec.get(name) for name in ("translation_id", "key_id") if _ok_id(rec.get(name))}
            out.setdefault((key, lid), ids)
    return out


@dataclass(order=True)
class ReviewAction:
    key: str
    lang: str
    order: int  # the translation before the comments of the same key
    kind: str   # 'update', 'create' or 'comment'
    detail: str
    key_id: str = field(default="", compare=False)
    locale_id: str = field(default="", compare=False)
    translation_id: str | None = field(default=None, compare=False)
    content: str | None = field(default=None, compare=False)
    original: str | None = field(default=None, compare=False)
    message: str | None = field(default=None, compare=False)
    marker: str | None = field(default=None, compare=False)

    def line(self, done: bool) -> str:
        verb = {"update": ("would update", "updated"), "create": ("would create", "created"),
                "comment": ("would comment", "commented")}[self.kind]
        return f"{verb[done]:<15} {self.key} [{self.lang}] {self.detail}"


@dataclass
class ReviewPlan:
    actions: list[ReviewAction] = field(default_factory=list)
    already: int = 0          # decisions whose correction and comment are both in Phrase already
    skipped: list[str] = field(default_factory=list)


def _one_line(s: str, n: int = 80) -> str:
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[: n - 1] + "…"


def review_comment(d, kind: str) -> str:
    what = d.code or "edit"
    if kind == "false-positive":
        lines = [f"sfia-qa review: {what} is a false positive [{d.lang}]: {_one_line(d.reason, COMMENT_QUOTE)}"]
    else:
        lines = [f"sfia-qa review: {what} corrected by the reviewer [{d.lang}]",
                 f"Corrected: «{_one_line(d.corrected, COMMENT_QUOTE)}»"]
        if d.original:
            lines.append(f"Was: «{_one_line(d.original, COMMENT_QUOTE)}»")
    if d.comment:
        lines.append(f"Reviewer: {_one_line(d.comment, COMMENT_QUOTE)}")
    lines.append(review_marker(d))
    return "\n".join(lines)


def _where(d) -> str:
    return f"{d.code or 'edit'} {d.key} ({d.lang})"


def _wanted(decisions: list, pattern: str, include_false_positives: bool, plan: ReviewPlan) -> list[tuple]:
    """(decision, Phrase key, 'correction' or 'false-positive') of the decisions to push."""
    out = []
    for d in decisions:
        if d.corrected is not None:
            kind = "correction"
        elif include_false_positives and d.decision == "false-positive":
            kind = "false-positive"
        else:
            continue  # accepted, or a fix without a corrected text: nothing for Phrase
        key = phrase_key_of(d, pattern)
        if key is None:
            plan.skipped.append(f"{_where(d)}: not a SFIA segment key in the pattern {pattern!r}")
            continue
        out.append((d, key, kind))
    return out


def _current(client: PhraseClient, project: str, key: str, key_id: str, need: list[str],
             pulled: dict) -> dict[str, dict | None]:
    """Locale id -> the key's translation in Phrase now (None: there is none). By the pulled
    translation id when there is one (and it still belongs to this key and locale), else
    from the key's translations."""
    current: dict[str, dict | None] = {}
    lookup = False
    for lid in need:
        tid = pulled.get((key, lid), {}).get("translation_id")
        t = None
        if tid:
            try:
                t = client.translation(project, tid)
            except E.NotFoundError:
                t = None  # deleted since the pull: look the key up
            if t is not None and (t["key"]["id"] != key_id or t["locale"]["id"] != lid):
                t = None  # the pulled ids do not belong together (a stale or edited file)
        if t is None:
            lookup = True
        else:
            current[lid] = t
    if lookup:
        found: dict[str, dict] = {}
        items = client.key_translations(project, key_id)
        # The text decides whether a correction may be written: a translation without it is a broken answer.
        check_items(items, {"content": (str, type(None))}, f"phrase GET key {shorten(key_id)} translations")
        for t in items:
            if not t.get("plural_suffix"):
                found.setdefault(t["locale"]["id"], t)
        for lid in need:
            current.setdefault(lid, found.get(lid))
    return current


def _plan_correction(plan: ReviewPlan, d, key: str, key_id: str, loc: dict, t: dict | None,
                     written: set[str]) -> bool:
    """Add the write a correction needs (if any); False when it must not go ahead."""
    now = None if t is None else (t.get("content") or "")
    content = d.corrected.strip()
    lang = langdata.normalize_tag(d.lang)
    if now is not None and _same(now, content):
        return True  # corrected already (an earlier push, or by hand in Phrase)
    if not _same(now or "", d.original):
        what = "was deleted" if now is None else "was changed"
        plan.skipped.append(f"{_where(d)}: the {loc.get('code')} translation {what} in Phrase since the review; "
                            "not overwritten")
        return False
    if loc["id"] in written:
        return True  # another decision about the same translation, with the same text
    written.add(loc["id"])
    if t is None:
        plan.actions.append(ReviewAction(key, lang, 0, "create", f"«{_one_line(content)}»", key_id=key_id,
                                         locale_id=loc["id"], content=content))
    else:
        plan.actions.append(ReviewAction(key, lang, 0, "update", f"«{_one_line(now or '')}» -> «{_one_line(content)}»",
                                         key_id=key_id, locale_id=loc["id"], translation_id=t["id"],
                                         content=content, original=now))
    return True


def plan_corrections(client: PhraseClient, project: str, decisions: list, *, pattern: str = DEFAULT_PATTERN,
                     locale_map: dict | None = None, translations: Path | None = None,
                     include_false_positives: bool = False) -> ReviewPlan:
    """What pushing reviewers' decisions would do; reads only. A correction is written only
    where Phrase still holds the text the reviewer saw (no translation counts as an empty
    one); a newer edit is never overwritten. Each decision's comment carries its marker and is
    planned only when the key has no comment with that marker yet."""
    locale_map = dict(locale_map or {})
    plan = ReviewPlan()
    wanted = _wanted(decisions, pattern, include_false_positives, plan)
    if not wanted:
        return plan
    locales = client.locales(project)
    pulled = pulled_index(translations)
    by_key: dict[str, list[tuple]] = {}
    for d, key, kind in wanted:
        loc, why = locale_for(d.lang, locales, locale_map)
        if loc is None:
            plan.skipped.append(f"{_where(d)}: {why}")
        elif kind == "correction" and loc.get("default"):
            plan.skipped.append(f"{_where(d)}: {loc.get('code')} is the project's source locale; not written")
        else:
            by_key.setdefault(key, []).append((d, kind, loc))

    def inspect(key: str):
        mine = by_key[key]
        key_id = next((pulled[(key, loc["id"])]["key_id"] for _, _, loc in mine
                       if pulled.get((key, loc["id"]), {}).get("key_id")), None)
        if key_id is None:
            k = client.find_key(project, key)
            if k is None:
                return key, None, set(), {}
            key_id = k["id"]
        have: set[str] = set()
        for c in client.comments(project, key_id):
            have.update(f"[sfia-qa:review:{m}]" for m in REVIEW_MARKER_RE.findall(c.get("message") or ""))
        need = sorted({loc["id"] for _, kind, loc in mine if kind == "correction"})
        return key, key_id, have, _current(client, project, key, key_id, need, pulled)

    with ThreadPoolExecutor(max_workers=client.max_workers, thread_name_prefix="phrase-review") as pool:
        inspected = list(pool.map(inspect, sorted(by_key)))
    for key, key_id, have, current in inspected:
        mine = by_key[key]
        if key_id is None:
            plan.skipped.extend(f"{_where(d)}: key {key} is not in the Phrase project" for d, _, _ in mine)
            continue
        texts: dict[str, set[str]] = {}  # several corrections of one translation must agree
        for d, kind, loc in mine:
            if kind == "correction":
                texts.setdefault(loc["id"], set()).add(_norm(d.corrected))
        written: set[str] = set()
        for d, kind, loc in mine:
            if kind == "correction":
                if len(texts[loc["id"]]) > 1:
                    plan.skipped.append(f"{_where(d)}: the reviewers' corrections of this translation differ; "
                                        "none written")
                    continue
                if not _plan_correction(plan, d, key, key_id, loc, current.get(loc["id"]), written):
                    continue  # no comment about a correction that was not made
            m = review_marker(d)
            if m in have:
                plan.already += 1
                continue
            have.add(m)
            detail = (f"false positive {d.code}: {_one_line(d.reason)}" if kind == "false-positive"
                      else f"review of {d.code or 'an edit'}" + (f": {_one_line(d.comment)}" if d.comment else ""))
            plan.actions.append(ReviewAction(key, langdata.normalize_tag(d.lang), 1, "comment", detail,
                                             key_id=key_id, locale_id=loc["id"], message=review_comment(d, kind),
                                             marker=m))
    plan.actions.sort()
    return plan


def _create_once(client: PhraseClient, project: str, a: ReviewAction) -> None:
    """Create a translation; when the answer is lost, look the key's translations up before
    posting again: created already (our text) is done, created by someone else is left alone."""
    assert a.content is not None
    try:
        client.create_translation(project, a.key_id, a.locale_id, a.content)
        return
    except E.AmbiguousWriteError as e:
        lost = e
    there = [t for t in client.key_translations(project, a.key_id)
             if t["locale"]["id"] == a.locale_id and not t.get("plural_suffix")]
    if not there:
        client.create_translation(project, a.key_id, a.locale_id, a.content)
    elif not any(_same(t.get("content") if isinstance(t.get("content"), str) else "", a.content) for t in there):
        raise E.AmbiguousWriteError("phrase POST translation",
                                    f"({lost}) the answer to creating {a.key} [{a.lang}] was lost and the key now has "
                                    "another translation in that locale; not written again: check it in Phrase")


def _update_once(client: PhraseClient, project: str, a: ReviewAction) -> None:
    """Update a translation; when the answer is lost, read it back first: our text is done, the
    text the reviewer saw is written again (once), anything else was edited meanwhile and is left."""
    assert a.translation_id is not None and a.content is not None
    try:
        client.update_translation(project, a.translation_id, a.content)
        return
    except E.AmbiguousWriteError as e:
        lost = e
    now = client.translation(project, a.translation_id).get("content")
    now = now if isinstance(now, str) else ""
    if _same(now, a.content):
        return
    if a.original is not None and _same(now, a.original):
        client.update_translation(project, a.translation_id, a.content)
        return
    raise E.AmbiguousWriteError("phrase PATCH translation",
                                f"({lost}) the answer to updating {a.key} [{a.lang}] was lost and the translation "
                                "now holds another text; not written again: check it in Phrase")


def apply_corrections(client: PhraseClient, project: str, plan: ReviewPlan, say: Callable[[str], None]) -> int:
    """Carry out the plan: per key, the translation first and then its comments (a comment is
    never posted for a correction that was not written); keys 4 at a time. -> actions done."""

    def do(a: ReviewAction) -> ReviewAction:
        if a.kind == "update":
            _update_once(client, project, a)
        elif a.kind == "create":
            _create_once(client, project, a)
        else:
            assert a.message is not None and a.marker is not None
            comment_once(client, project, a.key_id, a.message, a.marker, [a.locale_id] if a.locale_id else None)
        return a

    return _run_per_key(client, plan.actions, do, say, "phrase-review")
