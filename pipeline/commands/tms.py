"""``sfia-qa tms``: files for a translation management system (Phrase TMS).

    sfia-qa tms export --sources PATH... [--framework 9] [--skills CSMG,...] [--per-skill] --out DIR

writes the SFIA English as XLIFF 1.2 (:mod:`pipeline.export`): one ``sfia-<N>.xlf`` for the
framework, or one ``<SKILL>.xlf`` per skill with ``--per-skill``. Import them into the TMS
project; the bilingual MXLIFF files its jobs give back are read by ``sfia-qa segments`` and the
run (``.mxliff``, :mod:`pipeline.ingest.mxliff`) and name every segment by its key.

    sfia-qa tms pull --project UID [--langs ar,pl] [--step N] [--out translations/]
    sfia-qa tms upload FILE... --project UID [--step N] [--apply]

talk to the Phrase TMS API (:mod:`pipeline.phrase.tms`, :mod:`pipeline.phrase.tms_sync`): pull
writes each job's bilingual MXLIFF to ``translations/<lang>/tms/``; upload sends corrected
MXLIFF files back to their jobs (a dry run that only reads unless ``--apply``). Settings come
from the command line, then ``qa.toml`` ``[tms]``::

    [tms]
    project = "..."                              # the project's UID (in its URL)
    base_url = "https://cloud.memsource.com/web" # or a data-residency host
    langs = ["ar", "pl"]                         # default: every target language
    workflow_step = 1                            # the workflow level to pull from (Phrase's default: 1)
    token_env = "PHRASE_TMS_TOKEN"               # the variable holding the API token
    user_env = "PHRASE_TMS_USER"                 # ... or a user name and password to log in with
    password_env = "PHRASE_TMS_PASSWORD"
    save_to_tm = "Confirmed"                     # upload: which segments go to the TM (Confirmed, All, None)
    out = "translations"
    deadline = 900                               # seconds for a whole pull or upload, then exit 2
    max_wait = 600                               # longest single wait the server may ask for
    max_pages = 10000                            # pages of the job list
    max_bytes = 52428800                         # largest answer (one MXLIFF), 50 MB
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("tms", help="Phrase TMS: export the English, pull jobs as MXLIFF, upload corrections")
    tms = p.add_subparsers(dest="tms_command", metavar="ACTION", parser_class=type(p))
    tms.required = True
    e = tms.add_parser("export", help="write the SFIA English as XLIFF 1.2 for a TMS project to import")
    e.add_argument("--sources", nargs="+", required=True, metavar="PATH",
                   help="English SFIA files or folders (spreadsheets, CSV, pages)")
    e.add_argument("--framework", type=int, choices=[8, 9], default=9, help="SFIA version (default: 9)")
    e.add_argument("--skills", type=_skills, default=None, metavar="CODE,...",
                   help="only these skills (comma-separated codes, e.g. CSMG,ITMG)")
    e.add_argument("--per-skill", action="store_true", help="one file per skill instead of one for the framework")
    e.add_argument("--out", required=True, metavar="DIR", help="folder to write into (created if missing)")
    e.add_argument("--key-pattern", default=None, metavar="PATTERN",
                   help="segment key pattern (default: sfia{framework}.{skill}.{element}.{index})")
    e.set_defaults(func=cmd_export)

    def common(q):
        q.add_argument("--config", default=None, help="configuration file (default: qa.toml when present)")
        q.add_argument("--project", help="Phrase TMS project UID (default: [tms] project)")
        q.add_argument("--base-url", help="API base URL (default: [tms] base_url or https://cloud.memsource.com/web)")
        q.add_argument("--step", type=_step, default=None, metavar="N",
                       help="workflow step (level, 1 = the first) whose jobs to use (default: [tms] workflow_step or 1)")

    q = tms.add_parser("pull", help="write each job's bilingual MXLIFF to translations/<lang>/tms/")
    common(q)
    q.add_argument("--langs", help="comma-separated target languages (default: [tms] langs, else all)")
    q.add_argument("--out", help="translations folder (default: [tms] out or translations/)")
    q.set_defaults(func=cmd_pull)

    q = tms.add_parser("upload", help="send corrected MXLIFF files back to their jobs (dry run unless --apply)")
    common(q)
    q.add_argument("files", nargs="+", metavar="FILE", help="MXLIFF files, one job each")
    q.add_argument("--apply", action="store_true", help="really upload (without it nothing is written)")
    q.set_defaults(func=cmd_upload)


def _step(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if not 1 <= n <= 15:
        raise argparse.ArgumentTypeError(f"a workflow step is a whole number from 1 to 15, not {value!r}")
    return n


def _skills(value: str) -> list[str]:
    codes = list(dict.fromkeys(x.strip().upper() for x in value.split(",") if x.strip()))
    if not codes:
        raise argparse.ArgumentTypeError("give at least one skill code")
    return codes


def cmd_export(args) -> int:
    from pipeline import export
    from pipeline.errors import ConfigError
    from pipeline.ingest import is_english, read_paths
    from pipeline.keys import DEFAULT_PATTERN, format_key

    pattern = args.key_pattern or DEFAULT_PATTERN
    try:
        format_key("CSMG", "level", 1, None, args.framework, pattern)
    except (ValueError, KeyError, IndexError) as e:
        raise ConfigError("--key-pattern", f"unusable pattern {pattern!r}: {e}") from None
    df = read_paths(args.sources, framework=args.framework, key_pattern=pattern)
    english = df[df["lang"].map(is_english)]
    files = export.plan_export(english, args.framework, args.skills, args.per_skill, pattern)
    for path in export.write_export(files, args.out):
        units = files[path.name].count("<trans-unit ")
        print(f"sfia-qa: wrote {path} ({units} unit(s))")
    return 0


# ---------------------------------------------------------------------------- pull and upload
_BOUNDS = {"deadline": float, "max_wait": float, "max_pages": int, "max_bytes": int}


def _settings(args):
    from pipeline import config as config_mod

    return config_mod.load_section(args.config, "tms")


def _credentials(section: dict, cfg) -> dict:
    """{'token': ...} or {'login': (user, password)} from the environment, never from a file."""
    from pipeline.errors import ConfigError
    from pipeline.phrase import errors as E
    from pipeline.phrase.tms import PASSWORD_ENV, TOKEN_ENV, USER_ENV

    names = {}
    for key, default in (("token_env", TOKEN_ENV), ("user_env", USER_ENV), ("password_env", PASSWORD_ENV)):
        v = section.get(key, default)
        if not isinstance(v, str) or not v.strip():
            raise ConfigError(cfg.path, f"[tms] {key} must name an environment variable")
        names[key] = v.strip()
    token = os.environ.get(names["token_env"])
    if token:
        return {"token": token}
    user, password = os.environ.get(names["user_env"]), os.environ.get(names["password_env"])
    if user and password:
        return {"login": (user, password)}
    raise E.MissingTokenError(names["token_env"], "not set: create an API token in Phrase TMS and "
                                                  f"`export {names['token_env']}=...` (or set {names['user_env']} and "
                                                  f"{names['password_env']} to log in); never commit it")


def _client(args, cfg, section, *, allow_writes: bool):
    from pipeline.errors import ConfigError
    from pipeline.phrase.tms import DEFAULT_TMS_BASE_URL, TmsClient

    project = args.project or section.get("project")
    if not project:
        raise ConfigError("--project", "no Phrase TMS project: pass --project UID or set [tms] project in qa.toml")
    base_url = args.base_url or section.get("base_url", DEFAULT_TMS_BASE_URL)
    bounds = {}
    for name, kind in _BOUNDS.items():
        if name not in section:
            continue
        v = section[name]
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0
        if not ok or (kind is int and not isinstance(v, int)):
            what = "a positive whole number" if kind is int else "a positive number of seconds"
            raise ConfigError(cfg.path, f"[tms] {name} must be {what}, not {v!r}")
        bounds[name] = kind(v)
    client = TmsClient(base_url=base_url, allow_writes=allow_writes, **_credentials(section, cfg), **bounds)
    return client, project


@contextlib.contextmanager
def _tms_names():
    """The shared transport names its bounds as ``[phrase] deadline`` etc.; a TMS run reads them
    from ``[tms]``, so its messages must say so."""
    from pipeline.phrase import errors as E

    try:
        yield
    except E.PhraseError as e:
        if "[phrase] " not in e.what:
            raise
        raise type(e)(e.where, e.what.replace("[phrase] ", "[tms] ")) from None


def _stats(client) -> str:
    s = client.stats
    extra = [f"{s[k]} {label}" for k, label in (("retries", "retried"), ("throttled", "rate-limited")) if s[k]]
    return f"{s['requests']} requests" + (f" ({', '.join(extra)})" if extra else "")


def _step_setting(args, section, cfg) -> int | None:
    from pipeline.errors import ConfigError

    if args.step is not None:
        return args.step
    v = section.get("workflow_step")
    if v is not None and (not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 15):
        raise ConfigError(cfg.path, f"[tms] workflow_step must be a whole number from 1 to 15, not {v!r}")
    return v


def cmd_pull(args) -> int:
    from pipeline.phrase import tms_sync

    cfg, section = _settings(args)
    out = Path(args.out) if args.out else cfg.resolve(section.get("out", "translations"))
    langs = args.langs.split(",") if args.langs else section.get("langs")
    step = _step_setting(args, section, cfg)
    with _tms_names():  # the login, when there is one, is a request too
        client, project = _client(args, cfg, section, allow_writes=False)
        with client:
            res = tms_sync.pull(client, project, out, langs=langs, step=step)
    for f in res.files:
        print(f"wrote {f}")
    for f in res.removed:
        print(f"removed {f} (no such job in the project any more)")
    langs_done = ", ".join(f"{lang} {n}" for lang, n in sorted(res.per_lang.items()))
    print(f"pulled {len(res.files)} job(s) ({langs_done}) from project {project} in {_stats(client)}")
    return 0


def cmd_upload(args) -> int:
    from pipeline.errors import ConfigError
    from pipeline.phrase import tms_sync
    from pipeline.phrase.tms import SAVE_TO_TM

    cfg, section = _settings(args)
    save = section.get("save_to_tm", "Confirmed")
    if save not in SAVE_TO_TM:
        raise ConfigError(cfg.path, f"[tms] save_to_tm must be one of {', '.join(SAVE_TO_TM)}, not {save!r}")
    step = _step_setting(args, section, cfg)
    with _tms_names():
        client, project = _client(args, cfg, section, allow_writes=args.apply)
        with client:
            plan = tms_sync.plan_upload(client, project, [Path(f) for f in args.files], step)
            if args.apply:
                n = tms_sync.apply_upload(client, plan, say=print, save_to_tm=save)
                print(f"done: uploaded {n} file(s) to project {project}; {_stats(client)}")
            else:
                for u in plan:
                    print(u.line(False))
                print(f"dry run: would upload {len(plan)} file(s) to project {project}; run again with --apply "
                      "to do it")
    return 0
