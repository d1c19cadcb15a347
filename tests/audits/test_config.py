"""[tool.audits] configuration: ignore, severity overrides, clear one-line errors."""

import pytest

from audits.config import load_config
from audits.model import InputError, Severity


def write(tmp_path, text):
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_missing_file_or_table_gives_defaults(tmp_path):
    assert load_config(tmp_path).ignore == frozenset() and load_config(tmp_path).severity == {}
    assert load_config(write(tmp_path, "[project]\nname = 'x'\n")).ignore == frozenset()


def test_ignore_and_severity(tmp_path):
    config = load_config(write(tmp_path, '[tool.audits]\nignore = ["ref002"]\nseverity = { "REF001" = "low", "SE001" = "CRITICAL" }\n'))
    assert config.ignore == {"REF002"}
    assert config.severity == {"REF001": Severity.LOW, "SE001": Severity.CRITICAL}


@pytest.mark.parametrize(
    "text, message",
    [
        ("[tool.audits\n", "invalid TOML"),
        ('[tool.audits]\nignore = ["XX999"]\n', "unknown rule code 'XX999'"),
        ('[tool.audits]\nignore = "TI001"\n', "ignore must be a list"),
        ('[tool.audits]\nseverity = { "TI001" = "urgent" }\n', "unknown severity 'urgent'"),
        ('[tool.audits]\nseverity = { "NOPE" = "low" }\n', "unknown rule code 'NOPE'"),
        ('[tool.audits]\nseverity = "low"\n', "severity must be a table"),
        ('[tool.audits]\nignored = []\n', "unknown key 'ignored'"),
        ("[tool]\naudits = 3\n", "must be a table"),
    ],
)
def test_malformed_config_is_one_clear_line(tmp_path, text, message):
    with pytest.raises(InputError) as error:
        load_config(write(tmp_path, text))
    assert message in str(error.value) and "\n" not in str(error.value)


def test_repository_config_loads():
    from pathlib import Path

    load_config(Path(__file__).resolve().parents[2])
