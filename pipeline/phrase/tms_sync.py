"""Pull Phrase TMS jobs into ``translations/`` as MXLIFF, and upload corrected MXLIFF back.

Pull lists the project's jobs at one workflow level, keeps those of the wanted target
languages, downloads each job's bilingual MXLIFF and writes
``translations/<lang>/tms/<file name>.mxliff`` the way ``phrase pull`` writes its files
(:func:`pipeline.phrase.sync._commit`): everything from the server is checked first (a target
language must be a BCP-47 tag before it names a folder; a file name is reduced to a plain
name; a body must be a UTF-8 XLIFF document), all files are staged beside their targets and
renamed only when every job has arrived, and every path written or deleted must resolve
inside ``--out``. A failed pull leaves the previous files as they were.

Upload reads each MXLIFF, finds its job (``m:task-id`` of its ``<file>``), checks the job is in
the project with the same target language, and (only with ``apply``) sends it back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import langdata
from pipeline.errors import InputError
from pipeline.ingest.xmlfiles import parse_xml
from pipeline.ioutil import read_regular
from pipeline.phrase import errors as E
from pipeline.phrase.http import shorten
from pipeline.phrase.sync import LOCALE_TAG, _commit, _real, confined, fetch_all
from pipeline.phrase.tms import TmsClient

XLIFF = "{urn:oasis:names:tc:xliff:document:1.2}"
MXLF = "{http://www.memsource.com/mxlf/2.0}"
FOLDER = "tms"
_UNSAFE = re.compile(r"[^\w.-]+")
MAX_NAME = 100


# ---------------------------------------------------------------------------- names
def lang_folder(job: dict, project: str) -> str:
    """The language folder of a job: its ``targetLang`` as a BCP-47 tag (``pt_br`` -> ``pt-BR``),
    or a one-line error if it is not one (it would name a path outside ``--out``)."""
    code = job.get("targetLang")
    lang = langdata.normalize_tag(code) if isinstance(code, str) else ""
    if not LOCALE_TAG.fullmatch(lang):
        raise E.LocaleCodeError(f"tms project {project}",
                                f"job {shorten(repr(job.get('uid')), 60)} has a target language "
                                f"{shorten(repr(code), 60)} that is not a BCP-47 language tag (such as pl or pt-BR); "
                                "refusing to use it as a folder name; nothing written")
    return lang


def _plain(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("._-")[:MAX_NAME].strip("._-")


def file_stem(job: dict) -> str:
    """A plain file name (no folder, no leading dot, letters, digits, ``_ . -``) from the job's
    ``filename`` without its extension, else from its uid."""
    raw = job.get("filename")
    base = re.split(r"[\\/]", raw)[-1] if isinstance(raw, str) else ""
    stem = base.rsplit(".", 1)[0] if "." in base.strip(".") else base
    return _plain(stem) or _plain(str(job.get("uid"))) or "job"


def job_files(chosen: list[tuple[dict, str]]) -> dict[str, tuple[dict, str, str]]:
    """{uid: (job, lang, file name)}; names shared by several jobs of a language (a split job's
    parts) get the job uid appended, so no job overwrites another."""
    stems: dict[tuple[str, str], list[str]] = {}
    for job, lang in chosen:
        stems.setdefault((lang, file_stem(job).lower()), []).append(job["uid"])
    out = {}
    taken: set[tuple[str, str]] = set()
    for job, lang in chosen:
        stem = file_stem(job)
        if len(stems[(lang, stem.lower())]) > 1:
            stem = f"{stem}-{_plain(job['uid']) or 'job'}"[:MAX_NAME + 40]
        stem = _fit(stem)
        # a suffixed name can still meet another job's own name ("CSMG" of J1 and "CSMG-J1"):
        # count on until it is free, so that no job's file replaces another's
        name, n = stem, 1
        while (lang, name.lower()) in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add((lang, name.lower()))
        out[job["uid"]] = (job, lang, f"{name}.mxliff")
    return out


def _fit(stem: str, limit: int = 200) -> str:
    """``stem`` cut to ``limit`` bytes of UTF-8 (file systems count bytes: 255 at most), whole
    characters only."""
    data = stem.encode("utf-8")
    return stem if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


# ---------------------------------------------------------------------------- selection
def select_jobs(jobs: list[dict], langs: Iterable[str] | None, project: str) -> list[tuple[dict, str]]:
    """(job, language folder) of the wanted languages (``pl`` also takes ``pl-PL``), every
    target language by default; one job per uid."""
    wanted = [langdata.normalize_tag(w) for w in (langs or []) if w.strip()]
    seen: set[str] = set()
    out: list[tuple[dict, str]] = []
    have: set[str] = set()
    for job in jobs:
        if job["uid"] in seen:
            continue
        seen.add(job["uid"])
        code = job["targetLang"]
        have.add(langdata.normalize_tag(code))
        if wanted and not any(w in (langdata.normalize_tag(code), langdata.base_tag(code)) for w in wanted):
            continue
        out.append((job, lang_folder(job, project)))
    missing = [w for w in wanted if not any(w in (lang, langdata.base_tag(lang)) for _, lang in out)]
    if missing or not out:
        names = sorted(shorten(h, 20) for h in have)
        listed = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "") or "none"
        what = f"no job in {', '.join(missing)}" if missing else "no jobs"
        raise E.NotFoundError(f"tms project {project}", f"{what} at this workflow step; the project's jobs are in: "
                                                        f"{listed} (choose with --langs, another step with --step)")
    return sorted(out, key=lambda jl: (jl[1], file_stem(jl[0]), jl[0]["uid"]))


# ---------------------------------------------------------------------------- MXLIFF checks
def check_mxliff(data: bytes, where: str, lang: str | None = None) -> tuple[str, list[str]]:
    """The text of an MXLIFF (strict UTF-8) and its job ids (``m:task-id`` of each ``<file>``);
    InputError if it is not an XLIFF 1.2 document, or (with ``lang``) if a file's
    ``target-language`` is another language."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(where, f"not UTF-8 text (byte {e.start}); an MXLIFF from Phrase TMS is UTF-8") from None
    root = parse_xml(data, where)
    if root.tag != XLIFF + "xliff":
        raise InputError(where, f"not an XLIFF 1.2 document (root element {shorten(root.tag, 80)!r})")
    files = root.findall(XLIFF + "file")
    if not files:
        raise InputError(where, "an XLIFF document without a <file>: not a job's bilingual file")
    tasks = []
    for f in files:
        target = f.get("target-language")
        if lang is not None and target and langdata.base_tag(target) != langdata.base_tag(lang):
            raise InputError(where, f"its target-language is {shorten(target, 20)!r}, not {lang!r} as the job says")
        task = f.get(MXLF + "task-id")
        if task:
            tasks.append(task)
    return text, tasks


# ---------------------------------------------------------------------------- pull
@dataclass
class TmsPullResult:
    files: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    per_lang: dict[str, int] = field(default_factory=dict)


def pull(client: TmsClient, project: str, out: Path, *, langs: Iterable[str] | None = None,
         step: int | None = None, say: Callable[[str], None] = lambda s: None) -> TmsPullResult:
    out = Path(out)
    chosen = select_jobs(client.jobs(project, step), langs, project)
    named = job_files(chosen)
    root = _real(out)
    for _, lang, name in named.values():  # before any download: a folder that leads outside stops it all
        if not confined(out / lang / FOLDER / name, root):
            raise E.PullError(out / lang / FOLDER, f"leads outside {out} (a symbolic link?); refusing to write or "
                                                   "delete there; previous files kept")

    def fetch(uid: str) -> str:
        job, lang, name = named[uid]
        data = client.bilingual_file(project, uid)
        where = f"tms job {shorten(uid, 60)} ({lang}/{name})"
        text, tasks = check_mxliff(data, where, lang)
        # the file is the job's own: an upload of it later goes to the job its task ids name
        if not tasks or any(t != uid for t in tasks):
            found = ", ".join(shorten(t, 40) for t in tasks) or "none"
            raise InputError(where, f"the downloaded file names job(s) {found} (m:task-id), not this job")
        return text

    texts, failures = fetch_all(list(named), fetch, lambda uid: uid, lambda uid: shorten(uid, 60),
                                client.max_workers, "tms-pull")
    if failures or len(texts) != len(named):
        raise E.PullError("tms pull", f"{len(named) - len(texts)} of {len(named)} job(s) not pulled, previous files "
                                      "kept; " + "; ".join(sorted(failures)))
    res = TmsPullResult()
    files: dict[Path, str] = {}
    for uid, (_job, lang, name) in named.items():
        files[out / lang / FOLDER / name] = texts[uid]
        res.per_lang[lang] = res.per_lang.get(lang, 0) + 1
    for lang in sorted(res.per_lang):
        folder = out / lang / FOLDER
        for old in sorted(folder.glob("*.mxliff")) if folder.is_dir() else []:
            if old not in files and not old.is_symlink():
                res.removed.append(old)
    _commit(files, res.removed, root)
    res.files = sorted(files)
    return res


# ---------------------------------------------------------------------------- upload
@dataclass
class Upload:
    path: Path
    data: bytes
    job: dict

    def line(self, done: bool) -> str:
        verb = "uploaded" if done else "would upload"
        step = (self.job.get("workflowStep") or {}).get("workflowLevel") if isinstance(
            self.job.get("workflowStep"), dict) else None
        where = ", ".join(x for x in (self.job.get("targetLang"), shorten(str(self.job.get("filename") or ""), 60),
                                     f"step {step}" if step else "") if x)
        return f"{verb} {self.path} -> job {self.job['uid']} ({where})"


def read_upload(path: Path) -> tuple[bytes, str, str | None]:
    """(bytes, job uid, target language) of an MXLIFF to upload; one job per file."""
    path = Path(path)
    if path.is_dir():
        raise InputError(path, "is a folder: name the .mxliff files")
    data = read_regular(path)
    _, tasks = check_mxliff(data, str(path))
    if len(set(tasks)) != 1:
        raise InputError(path, "names no job (m:task-id)" if not tasks else
                         f"holds {len(set(tasks))} jobs; upload one job's MXLIFF per file")
    root = parse_xml(data, str(path))
    target = root.find(XLIFF + "file").get("target-language")  # type: ignore[union-attr]
    return data, tasks[0], target


def plan_upload(client: TmsClient, project: str, paths: list[Path], step: int | None = None) -> list[Upload]:
    """Check every file against the project's jobs (GET requests only)."""
    read = [(Path(p), *read_upload(Path(p))) for p in paths]
    jobs = {j["uid"]: j for j in client.jobs(project, step)}
    plan = []
    for path, data, uid, target in read:
        job = jobs.get(uid)
        if job is None:
            raise InputError(path, f"its job {shorten(uid, 60)!r} is not a job of project {project} at workflow step "
                                   f"{step or 1} (another step: --step)")
        if target and langdata.base_tag(target) != langdata.base_tag(job["targetLang"]):
            raise InputError(path, f"its target-language {shorten(target, 20)!r} is not the job's "
                                   f"{shorten(job['targetLang'], 20)!r}")
        plan.append(Upload(path, data, job))
    return plan


def apply_upload(client: TmsClient, plan: list[Upload], say: Callable[[str], None], *,
                 save_to_tm: str = "Confirmed") -> int:
    """Send the files one by one (each updates one job); the number sent."""
    for u in plan:
        updated = client.upload_bilingual(u.data, str(u.path), save_to_tm=save_to_tm)
        if u.job["uid"] not in {j["uid"] for j in updated}:
            raise E.ResponseError(f"tms PUT {u.path}", f"the server updated other jobs than {u.job['uid']} "
                                                       f"({', '.join(shorten(j['uid'], 30) for j in updated[:3])})")
        say(u.line(True))
    return len(plan)
