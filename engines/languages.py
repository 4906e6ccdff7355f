"""The one table of languages the CPU tier reads, and which engine reads each best.

PP-OCRv6 small (paddle) knows Latin letters (Latin-1, Latin Extended-A/B, IPA), Chinese, Japanese
and plain Greek capitals/lowercase without accents; it reads what it does not know as blanks.
Tesseract 5 with the language's traineddata reads the rest. Measured on one line per script
(`bench/languages.py`): paddle exact on en, la, zh; Tesseract exact or near on ru, sr, fa, hi,
ta, te, th, el, ko. The rule for languages not measured: paddle for Latin-script languages whose
letters are all in its dictionary, Chinese and Japanese; Tesseract for everything else
(Vietnamese and Yoruba use letters outside paddle's dictionary; Fraktur needs Tesseract's model).

Only the standard library is imported here: the Makefile runs `python3 -m engines.languages
--debian-packages` before the virtual environment exists.
"""

import argparse
from dataclasses import dataclass

AUTO = "auto"
PADDLE = "paddle"
TESSERACT = "tesseract"
WHERE_TO_LOOK = "see GET /api/v1/languages/ or the README's Languages section"
MAX_QUOTED = 40  # characters of an unknown code quoted in the error

# Scripts whose languages paddle reads best (see the module docstring).
PADDLE_SCRIPTS = frozenset({"Latin", "Han", "Japanese"})
# Latin-script languages using letters outside paddle's dictionary (Latin Extended Additional).
PADDLE_UNREADABLE = frozenset({"vi", "yo"})

# The traineddata `language=auto` reads each script with (on lines paddle cannot read): the language's own
# model where the script has one language here (measured better than the script model: Telugu's drops
# vowel signs), else Tesseract's script model. Hangul's script model reads Korean as well as `kor` and
# also the Latin letters `kor` lacks (WHO, COVID), given `kor`'s preserve_interword_spaces. Lao's script
# model scores far lower on other scripts than `lao` (`engines.script_trial`), so the trial can name Lao.
AUTO_SCRIPT_MODELS: dict[str, str] = {
    "Arabic": "Arabic",
    "Armenian": "hye",
    "Bengali": "Bengali",
    "Canadian_Aboriginal": "iku",
    "Cherokee": "chr",
    "Cyrillic": "Cyrillic",
    "Devanagari": "Devanagari",
    "Ethiopic": "Ethiopic",
    "Georgian": "kat",
    "Greek": "ell",
    "Gujarati": "guj",
    "Gurmukhi": "pan",
    "Hangul": "Hangul",
    "Hebrew": "heb",
    "Kannada": "kan",
    "Khmer": "khm",
    "Lao": "Lao",
    "Malayalam": "mal",
    "Myanmar": "mya",
    "Oriya": "ori",
    "Sinhala": "sin",
    "Syriac": "syr",
    "Tamil": "tam",
    "Telugu": "tel",
    "Thaana": "div",
    "Thai": "tha",
    "Tibetan": "Tibetan",
}
# Debian package suffixes (after `tesseract-ocr-script-`) of the script models above.
SCRIPT_MODEL_PACKAGES = {
    "Arabic": "arab",
    "Bengali": "beng",
    "Cyrillic": "cyrl",
    "Devanagari": "deva",
    "Ethiopic": "ethi",
    "Hangul": "hang",
    "Lao": "laoo",
    "Tibetan": "tibt",
}

# code | Tesseract traineddata | English name | script | other codes (ISO 639-2/B, 639-3, common variants).
# The Tesseract name is always accepted too.
_TABLE = """
af|afr|Afrikaans|Latin|
am|amh|Amharic|Ethiopic|
ar|ara|Arabic|Arabic|
as|asm|Assamese|Bengali|
az|aze|Azerbaijani|Latin|
az_cyrl|aze_cyrl|Azerbaijani (Cyrillic)|Cyrillic|az-cyrl
be|bel|Belarusian|Cyrillic|
bn|ben|Bengali|Bengali|
bo|bod|Tibetan|Tibetan|tib
bs|bos|Bosnian|Latin|
br|bre|Breton|Latin|
bg|bul|Bulgarian|Cyrillic|
ca|cat|Catalan|Latin|
ceb|ceb|Cebuano|Latin|
cs|ces|Czech|Latin|cze
ch|chi_sim|Chinese (simplified)|Han|zh,zho,chi,zh-cn,zh-hans,zh_hans
chinese_cht|chi_tra|Chinese (traditional)|Han|zh-tw,zh-hant,zh_hant,cht
chr|chr|Cherokee|Cherokee|
co|cos|Corsican|Latin|
cy|cym|Welsh|Latin|wel
da|dan|Danish|Latin|
de|deu|German|Latin|ger
dv|div|Dhivehi|Thaana|
dz|dzo|Dzongkha|Tibetan|
el|ell|Greek|Greek|gre
en|eng|English|Latin|
enm|enm|Middle English|Latin|
eo|epo|Esperanto|Latin|
et|est|Estonian|Latin|
eu|eus|Basque|Latin|baq
fo|fao|Faroese|Latin|
fa|fas|Persian|Arabic|per
fil|fil|Filipino|Latin|tl,tgl
fi|fin|Finnish|Latin|
fr|fra|French|Latin|fre
frk|frk|German (Fraktur)|Fraktur|
frm|frm|Middle French|Latin|
fy|fry|Western Frisian|Latin|
gd|gla|Scottish Gaelic|Latin|
ga|gle|Irish|Latin|
gl|glg|Galician|Latin|
grc|grc|Ancient Greek|Greek|
gu|guj|Gujarati|Gujarati|
ht|hat|Haitian Creole|Latin|
he|heb|Hebrew|Hebrew|iw
hi|hin|Hindi|Devanagari|
hr|hrv|Croatian|Latin|
hu|hun|Hungarian|Latin|
hy|hye|Armenian|Armenian|arm
iu|iku|Inuktitut|Canadian_Aboriginal|
id|ind|Indonesian|Latin|
is|isl|Icelandic|Latin|ice
it|ita|Italian|Latin|
ita_old|ita_old|Italian (old)|Latin|
jv|jav|Javanese|Latin|
ja|jpn|Japanese|Japanese|jp
kn|kan|Kannada|Kannada|
ka|kat|Georgian|Georgian|geo
ka_old|kat_old|Georgian (old)|Georgian|
kk|kaz|Kazakh|Cyrillic|
km|khm|Khmer|Khmer|
ky|kir|Kyrgyz|Cyrillic|
ku|kmr|Kurdish (Kurmanji)|Latin|kur
ko|kor|Korean|Hangul|korean
lo|lao|Lao|Lao|
la|lat|Latin|Latin|
lv|lav|Latvian|Latin|
lt|lit|Lithuanian|Latin|
lb|ltz|Luxembourgish|Latin|
ml|mal|Malayalam|Malayalam|
mr|mar|Marathi|Devanagari|
mk|mkd|Macedonian|Cyrillic|mac
mt|mlt|Maltese|Latin|
mn|mon|Mongolian|Cyrillic|
mi|mri|Maori|Latin|mao
ms|msa|Malay|Latin|may
my|mya|Burmese|Myanmar|bur
ne|nep|Nepali|Devanagari|
nl|nld|Dutch|Latin|dut
no|nor|Norwegian|Latin|nb,nn,nob,nno
oc|oci|Occitan|Latin|
or|ori|Odia|Oriya|ory
pa|pan|Punjabi|Gurmukhi|
pl|pol|Polish|Latin|
pt|por|Portuguese|Latin|
ps|pus|Pashto|Arabic|
qu|que|Quechua|Latin|
ro|ron|Romanian|Latin|rum,mo
ru|rus|Russian|Cyrillic|
sa|san|Sanskrit|Devanagari|
si|sin|Sinhala|Sinhala|
sk|slk|Slovak|Latin|slo
sl|slv|Slovenian|Latin|
sd|snd|Sindhi|Arabic|
es|spa|Spanish|Latin|
spa_old|spa_old|Spanish (old)|Latin|
sq|sqi|Albanian|Latin|alb
sr|srp|Serbian (Cyrillic)|Cyrillic|sr-cyrl
sr_latn|srp_latn|Serbian (Latin)|Latin|sr-latn
su|sun|Sundanese|Latin|
sw|swa|Swahili|Latin|
sv|swe|Swedish|Latin|
syr|syr|Syriac|Syriac|
ta|tam|Tamil|Tamil|
tt|tat|Tatar|Cyrillic|
te|tel|Telugu|Telugu|
tg|tgk|Tajik|Cyrillic|
th|tha|Thai|Thai|
ti|tir|Tigrinya|Ethiopic|
to|ton|Tongan|Latin|
tr|tur|Turkish|Latin|
ug|uig|Uyghur|Arabic|
uk|ukr|Ukrainian|Cyrillic|
ur|urd|Urdu|Arabic|
uz|uzb|Uzbek|Latin|
uz_cyrl|uzb_cyrl|Uzbek (Cyrillic)|Cyrillic|uz-cyrl
vi|vie|Vietnamese|Latin|
yi|yid|Yiddish|Hebrew|
yo|yor|Yoruba|Latin|
"""


@dataclass(frozen=True)
class Language:
    """One supported language; `engine` says which engine reads it ("paddle" or "tesseract")."""

    code: str
    name: str
    script: str
    engine: str
    tesseract: str | None
    aliases: tuple[str, ...] = ()


def _engine(code: str, script: str) -> str:
    return PADDLE if script in PADDLE_SCRIPTS and code not in PADDLE_UNREADABLE else TESSERACT


def _parse(table: str) -> dict[str, Language]:
    languages: dict[str, Language] = {}
    for row in table.strip().splitlines():
        code, tesseract, name, script, others = row.split("|")
        aliases = tuple(dict.fromkeys(a for a in [tesseract, *others.split(",")] if a and a != code))
        languages[code] = Language(code, name, script, _engine(code, script), tesseract, aliases)
    return languages


LANGUAGES: dict[str, Language] = _parse(_TABLE)
_BY_CODE: dict[str, str] = {key.lower(): lang.code for lang in LANGUAGES.values() for key in (lang.code, *lang.aliases)}


def normalize_language(code: str) -> str:
    """ "auto" or the canonical code for `code` (case-insensitive, aliases accepted); ValueError otherwise."""
    key = code.strip().lower().replace(" ", "")
    if key == AUTO:
        return AUTO
    if key not in _BY_CODE:
        shown = code if len(code) <= MAX_QUOTED else code[:MAX_QUOTED] + "..."  # never echo a huge value whole
        raise ValueError(f"Unsupported language {shown!r}: {WHERE_TO_LOOK} for the supported codes, or use 'auto'.")
    return _BY_CODE[key]


def language(code: str) -> Language:
    """The table entry for `code` (any accepted code; not "auto")."""
    canonical = normalize_language(code)
    if canonical == AUTO:
        raise ValueError("'auto' is not a language: the router detects the script per page.")
    return LANGUAGES[canonical]


def _debian_name(traineddata: str) -> str:
    return "tesseract-ocr-" + traineddata.lower().replace("_", "-")


def debian_packages() -> list[str]:
    """The Debian packages the table needs: Tesseract, OSD, each language's pack and the script models."""
    languages = sorted({_debian_name(lang.tesseract) for lang in LANGUAGES.values() if lang.tesseract})
    scripts = sorted(
        f"tesseract-ocr-script-{SCRIPT_MODEL_PACKAGES[model]}"
        for model in AUTO_SCRIPT_MODELS.values()
        if model in SCRIPT_MODEL_PACKAGES
    )
    return ["tesseract-ocr", "tesseract-ocr-osd", *languages, *scripts]


def markdown_table() -> str:
    """The README's Languages table, generated from LANGUAGES."""
    rows = ["| code | language | script | engine | other codes |", "|---|---|---|---|---|"]
    for lang in sorted(LANGUAGES.values(), key=lambda lang: lang.name):
        others = ", ".join(f"`{alias}`" for alias in lang.aliases)
        rows.append(f"| `{lang.code}` | {lang.name} | {lang.script} | {lang.engine} | {others} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--debian-packages", action="store_true", help="print the Debian packages, space-separated")
    group.add_argument("--markdown", action="store_true", help="print the README's Languages table")
    args = parser.parse_args()
    print(" ".join(debian_packages()) if args.debian_packages else markdown_table())


if __name__ == "__main__":
    main()
