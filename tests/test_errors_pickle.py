"""A user's error raised in a per-language worker reaches the command line as itself (exit 2)."""

from __future__ import annotations

import pickle

import pytest

from pipeline import parallel
from pipeline.errors import ConfigError, InputError, UserError
from pipeline.phrase import errors as phrase_errors


def _user_errors():
    seen, todo = [], [UserError]
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo += cls.__subclasses__()
    return seen


def test_every_user_error_survives_pickling():
    assert phrase_errors.PhraseError in _user_errors()
    for cls in _user_errors():
        e = cls("translations/pl/x.csv", "line 3: bad   value")
        back = pickle.loads(pickle.dumps(e))
        assert type(back) is cls and back.line() == e.line() and back.exit_code == e.exit_code


def test_an_input_error_in_a_worker_is_raised_here_as_itself(monkeypatch):
    monkeypatch.setattr(parallel, "cpus", lambda: 2)

    def read(name):
        if name == "bad":
            raise InputError("translations/pl/bad.csv", "line 2: not UTF-8")
        return name

    with pytest.raises(InputError, match="bad.csv: line 2: not UTF-8"):
        parallel.map_forked(read, ["good", "bad", "also good"])
    with pytest.raises(ConfigError):
        parallel.map_forked(lambda x: (_ for _ in ()).throw(ConfigError("qa.toml", "no")), [1, 2])
