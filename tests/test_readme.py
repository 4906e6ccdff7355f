"""The README stays true: it lists every setting, with its variable name."""

from pathlib import Path

from configs.settings import Settings

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_every_setting_is_documented():
    missing = [name for name in Settings.model_fields if f"`OCRCHAT_{name.upper()}`" not in README]
    assert not missing, f"settings missing from the README: {missing}"


def test_readme_shows_the_two_commands_first():
    assert README.index("make run") < README.index("make test") < README.index("## Using the API")
