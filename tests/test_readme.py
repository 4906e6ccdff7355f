"""The README stays true: it lists every setting, with its variable name."""

from pathlib import Path

from configs.settings import Settings
from engines.languages import markdown_table

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_every_setting_is_documented():
    missing = [name for name in Settings.model_fields if f"`OCRCHAT_{name.upper()}`" not in README]
    assert not missing, f"settings missing from the README: {missing}"


def test_readme_shows_the_two_commands_first():
    assert README.index("make run") < README.index("make test") < README.index("## Using the API")


def test_the_languages_table_is_the_generated_one():
    start = README.index("<!-- languages table")
    table = README[README.index("\n", start) + 1 : README.index("<!-- end of languages table -->")]
    assert table.strip() == markdown_table().strip()
