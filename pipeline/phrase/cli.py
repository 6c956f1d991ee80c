"""``sfia-qa phrase pull`` and ``sfia-qa phrase push`` (findings and reviewers' corrections).

Settings come from the command line, then ``qa.toml`` ``[phrase]``::

    [phrase]
    project = "abcd1234..."                 # Project settings > API > Project ID
    base_url = "https://api.phrase.com/v2"  # or a data-residency host, e.g. https://api.us.app.phrase.com/v2
    locales = ["ar", "pl"]                  # default: every locale except the project's default one
    token_env = "PHRASE_ACCESS_TOKEN"       # the variable holding the access token
    framework = 9                           # SFIA version of keys whose pattern has no {framework}
    tag = "sfia-9"                          # optional: pull only keys with this tag
    min_severity = "warning"                # push: findings at or above this become comments
    deadline = 900                          # seconds for a whole pull or push, then exit 2
    max_wait = 600                          # longest single wait the server may ask for (Retry-After, resets)
    max_pages = 10000                       # pages of one list, then exit 2 (a server that never ends)
    max_bytes = 52428800                    # largest response body (50 MB)
    [phrase.locale_map]                     # optional: Phrase locale code -> translations/<lang>/
    "pl-PL" = "pl"

``push --corrections review-decisions.json`` writes reviewers' corrections as translations
(only where Phrase still holds the text the reviewer saw) and posts one marked comment per
decision; see :func:`pipeline.phrase.sync.plan_corrections`. ``--findings`` and
``--corrections`` go alone or together; without ``--apply`` nothing is written.

The token is read from the environment (``PHRASE_ACCESS_TOKEN`` by default). ``[phrase] token``
works too but puts a secret in a file that gets committed: don't.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import config as config_mod
from pipeline.config import SEVERITIES
from pipeline.errors import ConfigError
from pipeline.phrase import errors as E
from pipeline.phrase.defaults import (
    DEFAULT_BASE_URL,
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PAGES,
    DEFAULT_MAX_WAIT,
)

if TYPE_CHECKING:
    from pipeline.phrase.client import PhraseClient


def register(sub) -> None:
    p = sub.add_parser("phrase", help="pull translations from Phrase; push QA findings back")
    psub = p.add_subparsers(dest="phrase_command", metavar="ACTION", parser_class=type(p))
    psub.required = True

    def common(q):
        q.add_argument("--config", default=None, help="configuration file (default: qa.toml when present)")
        q.add_argument("--project", help="Phrase project ID (default: [phrase] project)")
        q.add_argument("--base-url", help=f"API base URL (default: [phrase] base_url or {DEFAULT_BASE_URL})")

    q = psub.add_parser("pull", help="write every locale's SFIA translations to translations/<lang>/phrase/")
    common(q)
    q.add_argument("--locales", help="comma-separated locale codes, names or ids (default: [phrase] locales, "
                                     "else every non-default locale)")
    q.add_argument("--out", help="translations folder (default: [phrase] out or translations/)")
    q.set_defaults(func=cmd_pull)

    q = psub.add_parser("push", help="post QA findings as key comments and reviewers' corrections as "
                                     "translations (dry run unless --apply)")
    common(q)
    q.add_argument("--findings", default=None,
                   help="findings file (default: reports/findings.jsonl, unless only --corrections is given)")
    q.add_argument("--corrections", default=None, metavar="DECISIONS",
                   help="reviewers' decisions (review-decisions.json or a filled-in review.xlsx): write each "
                        "correction to Phrase where Phrase still holds the text the reviewer saw")
    q.add_argument("--include-false-positives", action="store_true",
                   help="with --corrections: also post each false positive as a key comment with its reason")
    q.add_argument("--translations", default=None,
                   help="folder of pulled translations, for their Phrase ids (default: [phrase] out or translations/)")
    q.add_argument("--min-severity", choices=SEVERITIES, default=None,
                   help="post findings at or above this (default: [phrase] min_severity or warning)")
    q.add_argument("--apply", action="store_true",
                   help="really post comments, unverify translations and write corrections")
    q.set_defaults(func=cmd_push)


def _config(args):
    return config_mod.load_section(args.config, "phrase")


def _setting(args_value, section: dict, name: str, cfg, default=None, kind=str):
    v = args_value if args_value is not None else section.get(name, default)
    if v is not None and not isinstance(v, kind):
        raise ConfigError(cfg.path, f"[phrase] {name} must be a {kind.__name__}")
    return v


def token_from(section: dict, cfg) -> str:
    env = section.get("token_env", "PHRASE_ACCESS_TOKEN")
    if not isinstance(env, str) or not env:
        raise ConfigError(cfg.path, "[phrase] token_env must name an environment variable")
    token = os.environ.get(env) or section.get("token")
    if not token:
        raise E.MissingTokenError(env, "not set: create an access token in Phrase (Profile settings > "
                                       f"Access tokens) and `export {env}=...`; never commit it")
    if not isinstance(token, str):
        raise ConfigError(cfg.path, "[phrase] token must be a string (better: use the environment)")
    return token


def _client(args, cfg, section, *, read_only: bool = False, cache=None) -> tuple[PhraseClient, str]:
    from pipeline.phrase.client import PhraseClient

    project = _setting(args.project, section, "project", cfg)
    if not project:
        raise ConfigError("--project", "no Phrase project: pass --project ID or set [phrase] project in qa.toml")
    base_url = _setting(args.base_url, section, "base_url", cfg, DEFAULT_BASE_URL)
    client = PhraseClient(token_from(section, cfg), base_url, read_only=read_only, cache=cache, **bounds(section, cfg))
    return client, project


BOUNDS = {  # [phrase] setting -> (client argument, type, default)
    "deadline": ("deadline", float, DEFAULT_DEADLINE),
    "max_wait": ("max_wait", float, DEFAULT_MAX_WAIT),
    "max_pages": ("max_pages", int, DEFAULT_MAX_PAGES),
    "max_bytes": ("max_bytes", int, DEFAULT_MAX_BYTES),
}


def bounds(section: dict, cfg) -> dict:
    """The transport's bounds from ``[phrase]``: positive finite numbers."""
    out = {}
    for name, (arg, kind, default) in BOUNDS.items():
        v = section.get(name, default)
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0
        if not ok or (kind is int and not isinstance(v, int)):
            what = "a positive whole number" if kind is int else "a positive number of seconds"
            raise ConfigError(cfg.path, f"[phrase] {name} must be {what}, not {v!r}")
        out[arg] = kind(v)
    return out


def _say(line: str) -> None:
    print(line, file=sys.stderr)


def _stats(client: PhraseClient) -> str:
    s = client.stats
    extra = [f"{s[k]} {label}" for k, label in (("not_modified", "not modified"), ("retries", "retried"),
                                                 ("throttled", "rate-limited")) if s[k]]
    return f"{s['requests']} requests" + (f" ({', '.join(extra)})" if extra else "")


def cmd_pull(args) -> int:
    from pipeline.phrase import sync

    cfg, section = _config(args)
    out = Path(args.out) if args.out else cfg.resolve(_setting(None, section, "out", cfg, "translations"))
    locales = args.locales.split(",") if args.locales else _setting(None, section, "locales", cfg, None, list)
    base_url = _setting(args.base_url, section, "base_url", cfg, DEFAULT_BASE_URL)
    project = _setting(args.project, section, "project", cfg)
    cpath = sync.cache_path(out, base_url, project or "")
    cache = sync.load_cache(cpath)
    client, project = _client(args, cfg, section, read_only=True, cache=cache)
    with client:
        res = sync.pull(client, project, out, locales=locales, pattern=cfg.key_pattern,
                        default_framework=_setting(None, section, "framework", cfg, 9, int),
                        locale_map=_setting(None, section, "locale_map", cfg, {}, dict),
                        tag=_setting(None, section, "tag", cfg), say=_say)
        sync.save_cache(cpath, cache)
    for f in res.files:
        print(f"wrote {f}")
    for f in res.removed:
        print(f"removed {f} (no SFIA translations left in that locale)")
    total = sum(res.per_locale.values())
    print(f"pulled {total} SFIA translations of {len(res.per_locale)} locale(s) from project {project} "
          f"in {_stats(client)}" + (f"; ignored {res.ignored} non-SFIA strings" if res.ignored else ""))
    return 0


def cmd_push(args) -> int:
    from pipeline.phrase import sync

    cfg, section = _config(args)
    if args.include_false_positives and not args.corrections:
        raise ConfigError("--include-false-positives", "needs --corrections DECISIONS")
    findings_path = args.findings or (None if args.corrections else "reports/findings.jsonl")
    findings = sync.read_findings(Path(findings_path)) if findings_path else None
    decisions = None
    if args.corrections:
        from pipeline.review.decisions import load_decisions

        decisions = load_decisions(args.corrections)
    min_sev = args.min_severity or _setting(None, section, "min_severity", cfg, "warning")
    if min_sev not in SEVERITIES:
        raise ConfigError(cfg.path, f"[phrase] min_severity must be one of {', '.join(SEVERITIES)}")
    framework = _setting(None, section, "framework", cfg, 9, int)
    locale_map = _setting(None, section, "locale_map", cfg, {}, dict)
    translations = Path(args.translations) if args.translations else \
        cfg.resolve(_setting(None, section, "out", cfg, "translations"))
    client, project = _client(args, cfg, section, read_only=not args.apply)
    summary = []
    with client:
        if findings is not None:
            plan = sync.plan_push(client, project, findings, min_severity=min_sev, pattern=cfg.key_pattern,
                                  default_framework=framework, locale_map=locale_map)
            for s in plan.skipped:
                _say(f"skip: {findings_path} {s}")
            if args.apply:
                n = sync.apply_push(client, project, plan, say=print)
            else:
                for a in plan.actions:
                    print(a.line(False))
                n = 0
            comments = sum(a.kind == "comment" for a in plan.actions)
            unverify = sum(a.kind == "unverify" for a in plan.actions)
            if args.apply:
                summary.append(f"{n} action(s) ({comments} comment(s), {unverify} unverified); "
                               f"{plan.already} finding(s) already commented")
            else:
                summary.append(f"would post {comments} comment(s) and unverify {unverify} translation(s); "
                               f"{plan.already} finding(s) already commented")
        if decisions is not None:
            rplan = sync.plan_corrections(client, project, decisions, pattern=cfg.key_pattern, locale_map=locale_map,
                                          translations=translations,
                                          include_false_positives=args.include_false_positives)
            for s in rplan.skipped:
                _say(f"skip: {args.corrections} {s}")
            if args.apply:
                sync.apply_corrections(client, project, rplan, say=print)
            else:
                for ra in rplan.actions:
                    print(ra.line(False))
            counts = {k: sum(a.kind == k for a in rplan.actions) for k in ("update", "create", "comment")}
            u, c, m = (("updated", "created", "posted") if args.apply else ("would update", "create", "post"))
            summary.append(f"corrections: {u} {counts['update']} translation(s), {c} {counts['create']}, "
                           f"{m} {counts['comment']} comment(s); {rplan.already} decision(s) already in Phrase; "
                           f"{len(rplan.skipped)} skipped")
    if args.apply:
        print(f"done: {'; '.join(summary)}; {_stats(client)}")
    else:
        print(f"dry run: {'; '.join(summary)}; run again with --apply to do it")
    return 0
