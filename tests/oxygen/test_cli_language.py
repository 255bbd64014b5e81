import os
import subprocess
import sys
from pathlib import Path

import pytest

from oxygen.cli import environment_language

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({"LANG": "nl_BE.UTF-8"}, "nl"),
        ({"LANG": "fr_BE.UTF-8"}, "fr"),
        ({"LANG": "C.UTF-8"}, None),
        ({"LANG": "de_DE.UTF-8"}, None),  # not an interface language: the default (French) applies
        ({"LANGUAGE": "de:nl", "LANG": "fr_BE.UTF-8"}, "nl"),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "nl_BE.UTF-8"}, "en"),
        ({}, None),
    ],
)
def test_environment_language(environ, expected):
    assert environment_language(environ) == expected


@pytest.mark.slow
def test_a_command_answers_in_the_shell_language(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", EID_PKCS11_MODULE=str(tmp_path / "missing.so"))
    outputs = {}
    for lang in ("nl_BE.UTF-8", "C.UTF-8"):
        done = subprocess.run(
            [sys.executable, "manage.py", "eid", "read"], cwd=PROJECT_ROOT, env={**env, "LANG": lang},
            capture_output=True, text=True, timeout=60,
        )
        assert done.returncode == 1
        outputs[lang] = done.stderr
    assert "niet geïnstalleerd" in outputs["nl_BE.UTF-8"]
    assert "n'est pas installé" in outputs["C.UTF-8"]


@pytest.mark.slow
def test_manage_py_still_honours_settings_and_pythonpath(tmp_path):
    (tmp_path / "alternative_settings.py").write_text('from oxygen.settings import *  # noqa: F403\nTIME_ZONE = "UTC"\n')
    done = subprocess.run(
        [sys.executable, "manage.py", "diffsettings", "--settings=alternative_settings", f"--pythonpath={tmp_path}"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "TIME_ZONE = 'UTC'" in done.stdout
