"""Multilingual evaluation set for the CPU router: rendered text lines and paragraphs in 57 languages.

Every script that `engines.languages` routes (except Fraktur: no Fraktur font is installed) gets one to
thirteen languages, each with THREE natural texts of 3-5 lines (UDHR article 1 where a translation is
well known, news-like and everyday sentences otherwise). Each text is rendered as a one-line sample (its
first line) and a paragraph sample (all its lines), with each installed font of the script (Noto Sans and
Serif where both exist; CJK: Noto Sans/Serif CJK, WenQuanYi, Nanum), at each size, clean (black on white)
and "scanned" (turned by up to one degree, blurred, noisy, grey paper, JPEG round trip). English also has
three table-like pages of short cells (numbers, "yes+", "GST", all-caps bylines): the known failure is
foreign letters invented on English pages.

Split: text 3 of every language (and table page 3) is "heldout", kept out of tuning; texts 1-2 are "tune".

Right-to-left and complex scripts (Arabic, Hebrew, Thaana, Syriac, Indic, Southeast Asian, Tibetan)
need PIL's raqm layout for shaping and bidi: without raqm they are skipped (listed by `unavailable()`),
never rendered broken. A font lacking a character of a text is skipped for that text.

Deterministic: no network, no randomness but per-sample seeds. Standard library, PIL and numpy only
(engines.languages, standard library only, gives each language's script).

    python -m bench.language_set OUT [--split heldout] [--languages ar,hi] [--fonts 1] [--sizes 32]
"""

import argparse
import functools
import hashlib
import io
import json
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, features

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engines.languages import LANGUAGES  # noqa: E402

FONT_DIRS = (Path("/usr/share/fonts"),)
SIZES = (24, 32, 44)
LAYOUTS = ("line", "paragraph", "table")
TUNE, HELDOUT = "tune", "heldout"
HELDOUT_TEXT = 3  # text number kept out of tuning
RTL_SCRIPTS = frozenset({"Arabic", "Hebrew", "Thaana", "Syriac"})
# Scripts whose rendering needs shaping (raqm/HarfBuzz): without raqm PIL draws them broken.
COMPLEX_SCRIPTS = RTL_SCRIPTS | frozenset(
    {
        "Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada", "Malayalam",
        "Sinhala", "Thai", "Lao", "Khmer", "Myanmar", "Tibetan",
    }
)  # fmt: skip
# OpenType language tags for raqm (localised forms: Serbian, Urdu, CJK variants).
RAQM_LANGUAGE = {"ch": "zh-Hans", "chinese_cht": "zh-Hant", "sr": "sr", "mk": "mk", "bg": "bg", "ur": "ur"}
NOTDEF_PROBE = "\U0010fffd"  # a private-use character no font here maps: draws the .notdef glyph
LINE_GAP = 1.25  # line pitch, in units of the tallest line's ascent + descent
CELL_GAP = 2.0  # space between table columns, in font sizes
PAPER = 255
INK = 0


@dataclass(frozen=True)
class FontSpec:
    """One font: a label for sample ids, the file's name under FONT_DIRS, and the face's name in a .ttc."""

    label: str
    file: str
    face: str | None = None


def _pair(name: str, sans: bool = True, serif: bool = True, bold_if_single: bool = True) -> tuple[FontSpec, ...]:
    """Noto Sans <name> and Noto Serif <name>; a family with one style also gets its Bold weight."""
    specs = []
    if sans:
        specs.append(FontSpec(f"NotoSans{name}", f"NotoSans{name}-Regular.ttf"))
    if serif:
        specs.append(FontSpec(f"NotoSerif{name}", f"NotoSerif{name}-Regular.ttf"))
    if len(specs) == 1 and bold_if_single:
        only = specs[0]
        specs.append(FontSpec(only.label + "Bold", only.file.replace("-Regular", "-Bold")))
    return tuple(specs)


def _cjk(region: str, extra: tuple[FontSpec, ...] = ()) -> tuple[FontSpec, ...]:
    return (
        FontSpec(f"NotoSansCJK{region}", "NotoSansCJK-Regular.ttc", f"Noto Sans CJK {region}"),
        FontSpec(f"NotoSerifCJK{region}", "NotoSerifCJK-Regular.ttc", f"Noto Serif CJK {region}"),
        *extra,
    )


_EUROPEAN = (
    FontSpec("NotoSans", "NotoSans-Regular.ttf"),
    FontSpec("NotoSerif", "NotoSerif-Regular.ttf"),
    FontSpec("DejaVuSans", "DejaVuSans.ttf"),
    FontSpec("LiberationSerif", "LiberationSerif-Regular.ttf"),
)
_ARABIC = (
    FontSpec("NotoNaskhArabic", "NotoNaskhArabic-Regular.ttf"),
    FontSpec("NotoSansArabic", "NotoSansArabic-Regular.ttf"),
    FontSpec("NotoKufiArabic", "NotoKufiArabic-Regular.ttf"),
)
FALLBACK_SANS = FontSpec("NotoSans", "NotoSans-Regular.ttf")
FALLBACK_SERIF = FontSpec("NotoSerif", "NotoSerif-Regular.ttf")
_WQY = FontSpec("WenQuanYiMicroHei", "wqy-microhei.ttc", "WenQuanYi Micro Hei")
SCRIPT_FONTS: dict[str, tuple[FontSpec, ...]] = {
    "Latin": _EUROPEAN,
    "Cyrillic": _EUROPEAN,
    "Greek": _EUROPEAN,
    "Arabic": _ARABIC,
    "Hebrew": _pair("Hebrew"),
    "Devanagari": _pair("Devanagari"),
    "Bengali": _pair("Bengali"),
    "Gurmukhi": _pair("Gurmukhi"),
    "Gujarati": _pair("Gujarati"),
    "Oriya": _pair("Oriya", serif=False),
    "Tamil": _pair("Tamil"),
    "Telugu": _pair("Telugu"),
    "Kannada": _pair("Kannada"),
    "Malayalam": _pair("Malayalam"),
    "Sinhala": _pair("Sinhala"),
    "Thai": (*_pair("Thai"), FontSpec("NotoLoopedThai", "NotoLoopedThai-Regular.ttf")),
    "Lao": (*_pair("Lao"), FontSpec("NotoLoopedLao", "NotoLoopedLao-Regular.ttf")),
    "Khmer": _pair("Khmer"),
    "Myanmar": _pair("Myanmar"),
    "Tibetan": _pair("Tibetan", sans=False),
    "Georgian": _pair("Georgian"),
    "Armenian": _pair("Armenian"),
    "Ethiopic": _pair("Ethiopic"),
    "Hangul": _cjk("KR", (FontSpec("NanumGothic", "NanumGothic.ttf"), FontSpec("NanumMyeongjo", "NanumMyeongjo.ttf"))),
    "Han": _cjk("SC", (_WQY,)),
    "Japanese": _cjk("JP"),
    "Thaana": _pair("Thaana", serif=False),
    "Syriac": _pair("Syriac", serif=False, bold_if_single=False),
    "Cherokee": _pair("Cherokee", serif=False),
    "Canadian_Aboriginal": _pair("CanadianAboriginal", serif=False),
}
# Languages printed in their own typeface first (Urdu: Nastaliq) or in a regional CJK face.
LANGUAGE_FONTS: dict[str, tuple[FontSpec, ...]] = {
    "ur": (FontSpec("NotoNastaliqUrdu", "NotoNastaliqUrdu-Regular.ttf"), *_ARABIC[:2]),
    "chinese_cht": _cjk("TC"),
}

# Texts: "@code" starts a language, "--" separates its three texts; one text line per line.
_TEXTS = """
@en
The city council approved a new budget on Monday.
Most of the money will go to schools and roads.
The mayor said work will begin early next spring.
--
Heavy rain is expected across the north this week.
Drivers are advised to avoid flooded country lanes.
Temperatures will rise again by Sunday afternoon.
--
The museum reopened after two years of repairs.
Visitors can now see the restored medieval maps.
Entry is free for children under twelve.
@de
Alle Menschen sind frei und gleich an Würde und Rechten geboren.
Sie sind mit Vernunft und Gewissen begabt
und sollen einander im Geist der Brüderlichkeit begegnen.
--
Der Zug nach München fährt heute später ab.
Grund dafür ist eine Störung an der Strecke.
Reisende erhalten einen Gutschein für die Verspätung.
--
Im Frühling öffnet der Bauernmarkt wieder täglich.
Äpfel, Käse und frisches Brot kommen aus der Region.
Die Stände schließen am Samstag um vierzehn Uhr.
@fr
Tous les êtres humains naissent libres et égaux.
Ils sont doués de raison et de conscience
et doivent agir les uns envers les autres
dans un esprit de fraternité.
--
Le gouvernement a présenté son projet de loi mercredi.
Les députés en débattront dès la semaine prochaine.
La réforme vise à réduire les délais de traitement.
--
À Lyon, la fête des Lumières attire des milliers de visiteurs.
Les façades s'illuminent pendant quatre soirées.
Les hôtels affichent complet depuis le mois d'octobre.
@es
Todos los seres humanos nacen libres e iguales en dignidad.
Están dotados de razón y de conciencia,
y deben comportarse fraternalmente los unos con los otros.
--
El ayuntamiento inaugurará mañana una nueva biblioteca.
El edificio tendrá más de veinte mil libros y una cafetería.
La entrada será gratuita durante el primer año.
--
¿Cuánto cuesta el billete de tren a Sevilla?
La señora pagó cuarenta euros por un asiento.
El viaje dura dos horas y media sin paradas.
@pt
Todos os seres humanos nascem livres e iguais
em dignidade e em direitos. Dotados de razão
e de consciência, devem agir uns para com os outros
em espírito de fraternidade.
--
A previsão indica chuva forte no litoral esta semana.
As autoridades pedem cautela aos condutores.
No interior, o tempo continuará seco e quente.
--
O mercado municipal abre às sete horas da manhã.
Há peixe fresco, pão caseiro e frutas da estação.
Os preços subiram ligeiramente desde o verão.
@it
Tutti gli esseri umani nascono liberi ed eguali
in dignità e diritti. Essi sono dotati di ragione
e di coscienza e devono agire gli uni verso gli altri
in spirito di fratellanza.
--
Il treno per Firenze partirà con trenta minuti di ritardo.
I passeggeri possono attendere nella sala d'aspetto.
Ci scusiamo per il disagio.
--
La città ha inaugurato un nuovo parco lungo il fiume.
È aperto tutti i giorni dalle otto fino al tramonto.
I cani sono ammessi solo al guinzaglio.
@pl
Wszyscy ludzie rodzą się wolni i równi
pod względem swej godności i swych praw.
Są oni obdarzeni rozumem i sumieniem
i powinni postępować wobec innych w duchu braterstwa.
--
Pociąg do Krakowa odjedzie z peronu trzeciego.
Z powodu remontu torów podróż potrwa dłużej.
Pasażerowie otrzymają zwrot części ceny biletu.
--
Żółta łódź płynęła powoli po jeziorze.
Dzieci śpiewały piosenkę o wiośnie i słońcu.
Wieczorem wszyscy zjedli kolację przy ognisku.
@cs
Všichni lidé rodí se svobodní a sobě rovní
co do důstojnosti a práv. Jsou nadáni rozumem
a svědomím a mají spolu jednat v duchu bratrství.
--
Vláda schválila nový zákon o ochraně přírody.
Starostové obcí ho přivítali s nadšením.
Účinnosti nabude od prvního ledna příštího roku.
--
Příliš žluťoučký kůň úpěl ďábelské ódy.
V Brně dnes bude polojasno a kolem dvaceti stupňů.
Večer se mohou objevit přeháňky a bouřky.
@hu
Minden emberi lény szabadon születik
és egyenlő méltósága és joga van.
Az emberek, ésszel és lelkiismerettel bírván,
egymással szemben testvéri szellemben kell hogy viseltessenek.
--
A budapesti villamosok hétvégén ritkábban járnak.
A felújítás miatt a Margit híd is le lesz zárva.
Az utasok pótlóbuszokkal utazhatnak tovább.
--
Árvíztűrő tükörfúrógép a múzeum új kiállításán.
A látogatók kipróbálhatják a régi gépeket is.
A belépőjegy ára ezerkétszáz forint.
@ro
Toate ființele umane se nasc libere și egale
în demnitate și în drepturi. Ele sunt înzestrate
cu rațiune și conștiință și trebuie să se comporte
unele față de altele în spiritul fraternității.
--
Primăria a anunțat lucrări pe strada principală.
Circulația va fi închisă timp de două săptămâni.
Șoferii sunt rugați să folosească rute ocolitoare.
--
În satul bunicilor, toamna miroase a gutui și nuci.
Copiii adună frunzele și le ard în grădină.
Seara, toată familia se strânge lângă sobă.
@tr
Bütün insanlar hür, haysiyet ve haklar bakımından eşit doğarlar.
Akıl ve vicdana sahiptirler
ve birbirlerine karşı kardeşlik zihniyeti ile hareket etmelidirler.
--
İstanbul'da yarın sağanak yağış bekleniyor.
Meteoroloji, sürücüleri dikkatli olmaları için uyardı.
Hafta sonu hava sıcaklığı yeniden yükselecek.
--
Çarşıdaki küçük dükkânda taze simit satılıyor.
Öğrenciler sabahları okula gitmeden önce uğruyor.
Fiyatı geçen yıla göre biraz arttı.
@sv
Alla människor är födda fria och lika i värde och rättigheter.
De har utrustats med förnuft och samvete
och bör handla gentemot varandra i en anda av broderskap.
--
Tåget mot Göteborg är försenat med en halvtimme.
Orsaken är ett signalfel strax söder om Skövde.
Resenärer ombeds hålla sig uppdaterade i appen.
--
Hösten är här och äppelträden bär mycket frukt.
Barnen plockar äpplen och gör saft med mormor.
På kvällen tänder vi ljus i köket.
@vi
Tất cả mọi người sinh ra đều được tự do
và bình đẳng về nhân phẩm và quyền.
Mọi con người đều được tạo hóa ban cho lý trí và lương tâm
và cần phải đối xử với nhau trong tình bằng hữu.
--
Hà Nội hôm nay trời nhiều mây, có mưa rào nhẹ.
Nhiệt độ cao nhất khoảng hai mươi tám độ.
Người dân nên mang theo áo mưa khi ra đường.
--
Chợ Bến Thành mở cửa từ sáng sớm đến tối muộn.
Du khách có thể mua trái cây, vải lụa và cà phê.
Giá cả ở đây thường cao hơn các chợ khác.
@yo
Gbogbo ènìyàn ni a bí ní òmìnira;
iyì àti ẹ̀tọ́ kọ̀ọ̀kan sì dọ́gba.
Wọ́n ní ẹ̀bùn ti làákàyè àti ti ẹ̀rí-ọkàn,
ó sì yẹ kí wọn ó máa hùwà sí ara wọn gẹ́gẹ́ bí ọmọ ìyá.
--
Òjò ńlá rọ̀ ní ìlú Èkó lánàá.
Omi bo ọ̀pọ̀lọpọ̀ ọ̀nà mọ́lẹ̀.
Ìjọba ní kí àwọn ará ìlú ṣọ́ra.
--
Mo fẹ́ ra iṣu àti ẹja ní ọjà.
Ọjà Ọ̀yọ́ máa ń kún fún èrò ní ọjọ́ Àbámẹ́ta.
Àwọn ọmọdé ń ṣeré nínú oòrùn.
@ru
Все люди рождаются свободными и равными
в своём достоинстве и правах. Они наделены разумом
и совестью и должны поступать в отношении друг друга
в духе братства.
--
В Москве в выходные ожидается сильный снегопад.
Синоптики советуют водителям не выезжать без нужды.
К понедельнику температура опустится до минус пятнадцати.
--
Новая библиотека открылась в центре Казани.
В её фонде более тридцати тысяч книг и журналов.
Читальный зал работает ежедневно до девяти вечера.
@uk
Всі люди народжуються вільними і рівними
у своїй гідності та правах. Вони наділені
розумом і совістю і повинні діяти
у відношенні один до одного в дусі братерства.
--
У Києві відкрили новий міст через Дніпро.
Його будівництво тривало понад чотири роки.
Тепер дорога до лівого берега стала коротшою.
--
Їжак шукав яблука під старою грушею.
Євген приніс йому трохи молока в мисці.
Ґанок старої хати ще пам'ятає діда.
@bg
Всички хора се раждат свободни и равни
по достойнство и права. Те са надарени
с разум и съвест и следва да се отнасят
помежду си в дух на братство.
--
Правителството одобри нов бюджет за пътищата.
Средствата ще бъдат разпределени до края на годината.
Ремонтът на магистралата започва през пролетта.
--
Съседката ми прави най-вкусната баница в квартала.
Всяка неделя тя кани децата на закуска.
Те ѝ носят цветя и мед от пазара.
@sr
Сва људска бића рађају се слободна и једнака
у достојанству и правима. Она су обдарена
разумом и свешћу и треба једни према другима
да поступају у духу братства.
--
Београд ће ове године добити нову линију трамваја.
Радови почињу у јуну и трајаће две године.
Грађани ће моћи да прате изградњу на сајту града.
--
Чика Љуба чува пчеле на падинама Фрушке горе.
Његов мед је познат широм Војводине.
Ђацима увек донесе пуне џепове слаткиша.
@kk
Барлық адамдар тумысынан азат және
қадір-қасиеті мен құқықтары тең болып дүниеге келеді.
Адамдарға ақыл-парасат пен ар-ождан берілген,
сондықтан олар бір-біріне бауырмал болуы тиіс.
--
Астанада жаңа кітапхана ашылды.
Онда қазақ және әлем әдебиетінің мыңдаған кітаптары бар.
Кітапхана күн сайын таңғы тоғыздан бастап жұмыс істейді.
--
Алматыда ертең күн жылы әрі шуақты болады.
Таудан соққан жел кешке қарай күшейеді.
Тұрғындар өзен жағасында серуендеуге шықты.
@mk
Сите човечки суштества се раѓаат слободни
и еднакви по достоинство и права. Тие се обдарени
со разум и совест и треба да се однесуваат
еден кон друг во духот на братството.
--
Охридското Езеро е едно од најстарите во Европа.
Секое лето илјадници туристи го посетуваат Охрид.
Во градот има многу стари цркви и манастири.
--
Ќе одиме на планина за викендот.
Ноќта ќе ги гледаме ѕвездите над Шар Планина.
Мајка ми спакува леб, сирење и ајвар.
@el
Όλοι οι άνθρωποι γεννιούνται ελεύθεροι και ίσοι
στην αξιοπρέπεια και τα δικαιώματα.
Είναι προικισμένοι με λογική και συνείδηση,
και οφείλουν να συμπεριφέρονται μεταξύ τους
με πνεύμα αδελφοσύνης.
--
Η Αθήνα θα έχει υψηλές θερμοκρασίες αύριο.
Ο υδράργυρος αναμένεται να φτάσει τους σαράντα βαθμούς.
Οι πολίτες καλούνται να αποφεύγουν τον ήλιο.
--
Το πλοίο για τη Σαντορίνη αναχωρεί στις οκτώ.
Οι επιβάτες πρέπει να βρίσκονται στο λιμάνι νωρίτερα.
Τα εισιτήρια πωλούνται και στο διαδίκτυο.
@ar
يولد جميع الناس أحرارًا متساوين في الكرامة والحقوق.
وهم قد وهبوا العقل والوجدان
وعليهم أن يعامل بعضهم بعضًا بروح الإخاء.
--
أعلنت وزارة الصحة عن افتتاح مستشفى جديد في المدينة.
ويضم المستشفى أكثر من مئتي سرير وقسما للطوارئ.
ومن المتوقع أن يبدأ استقبال المرضى الشهر المقبل.
--
تشهد العاصمة ارتفاعا في درجات الحرارة هذا الأسبوع.
ونصحت الأرصاد المواطنين بتجنب الخروج وقت الظهيرة.
وتعود الأجواء المعتدلة مع بداية الأسبوع القادم.
@fa
تمام افراد بشر آزاد به دنیا می‌آیند
و از لحاظ حیثیت و حقوق با هم برابرند.
همه دارای عقل و وجدان هستند
و باید نسبت به یکدیگر با روح برادری رفتار کنند.
--
کتابخانه ملی از هفته آینده تا ساعت نه شب باز است.
دانشجویان می‌توانند از سالن مطالعه استفاده کنند.
ورود برای همه رایگان خواهد بود.
--
امروز هوای تهران ابری و کمی سرد است.
پیش‌بینی می‌شود فردا در مناطق کوهستانی برف ببارد.
رانندگان باید زنجیر چرخ همراه داشته باشند.
@ur
تمام انسان آزاد اور حقوق و عزت کے اعتبار سے
برابر پیدا ہوئے ہیں۔ انہیں ضمیر اور عقل ودیعت ہوئی ہے۔
اس لئے انہیں ایک دوسرے کے ساتھ بھائی چارے کا سلوک کرنا چاہیئے۔
--
لاہور میں آج موسم خوشگوار رہے گا۔
شام کے وقت ہلکی بارش کا امکان ہے۔
محکمہ موسمیات نے شہریوں کو احتیاط کی ہدایت کی ہے۔
--
کراچی میں نئی لائبریری کا افتتاح کر دیا گیا۔
اس میں بچوں کے لیے ایک الگ حصہ بھی بنایا گیا ہے۔
لائبریری ہر روز صبح نو بجے کھلتی ہے۔
@he
כל בני האדם נולדו בני חורין ושווים בערכם
ובזכויותיהם. כולם חוננו בתבונה ובמצפון,
לפיכך חובה עליהם לנהוג איש ברעהו ברוח של אחווה.
--
משרד התחבורה הודיע על קו רכבת חדש לירושלים.
הנסיעה מתל אביב תימשך פחות מחצי שעה.
הקו ייפתח לציבור בתחילת השנה הבאה.
--
בשוק הכרמל נמכרים ירקות טריים בכל בוקר.
המוכרים קוראים בקול רם ומציעים מחירים זולים.
ביום שישי השוק מלא באנשים עד הצהריים.
@yi
אַלע מענטשן װערן געבױרן פֿרײַ און גלײַך
אין כּבֿוד און רעכט. זײ זײַנען באַגאָבט
מיט שׂכל און געװיסן און זאָלן זיך באַגײן
אײנער מיטן אַנדערן אין אַ געמיט פֿון ברודערשאַפֿט.
--
די שטאָט האָט געעפֿנט אַ נײַע ביבליאָטעק.
דאָרט קען מען לײענען ביכער אױף ייִדיש און ענגליש.
די ביבליאָטעק איז אָפֿן יעדן טאָג חוץ שבת.
--
הײַנט איז דאָס װעטער קאַלט און עס גײט אַ שנײ.
די קינדער שפּילן זיך אין פּאַרק מיט שליטנס.
מאָרגן װעט זײַן װאַרעמער.
@hi
सभी मनुष्यों को गौरव और अधिकारों के मामले में
जन्मजात स्वतन्त्रता और समानता प्राप्त है।
उन्हें बुद्धि और अन्तरात्मा की देन प्राप्त है
और परस्पर उन्हें भाईचारे के भाव से बर्ताव करना चाहिए।
--
दिल्ली में आज सुबह से तेज़ बारिश हो रही है।
कई सड़कों पर पानी भर जाने से यातायात धीमा रहा।
मौसम विभाग ने कल भी बारिश की संभावना जताई है।
--
हमारे गाँव में हर साल एक बड़ा मेला लगता है।
लोग दूर-दूर से खिलौने और मिठाइयाँ खरीदने आते हैं।
बच्चों को झूले पर बैठना सबसे अच्छा लगता है।
@mr
सर्व मानवी व्यक्ति जन्मतःच स्वतंत्र आहेत
व त्यांना समान प्रतिष्ठा व समान अधिकार आहेत.
त्यांना विचारशक्ती व सदसद्विवेकबुद्धी लाभलेली आहे
व त्यांनी एकमेकांशी बंधुत्वाच्या भावनेने आचरण करावे.
--
पुण्यात आज दिवसभर ढगाळ वातावरण राहील.
संध्याकाळी हलक्या पावसाच्या सरी पडण्याची शक्यता आहे.
नागरिकांनी छत्री सोबत ठेवावी असे आवाहन करण्यात आले.
--
आमच्या शाळेत उद्या विज्ञान प्रदर्शन आहे.
विद्यार्थ्यांनी अनेक नवीन प्रयोग तयार केले आहेत.
पालकांनाही प्रदर्शन पाहण्यासाठी बोलावले आहे.
@ne
सबै व्यक्तिहरू जन्मजात स्वतन्त्र हुन्
ती सबैको समान अधिकार र महत्व छ।
निजहरूमा विचार शक्ति र सद्विचार भएकोले
निजहरूले आपसमा भातृत्वको भावनाबाट व्यवहार गर्नु पर्छ।
--
काठमाडौंमा आज बिहानदेखि हल्का वर्षा भइरहेको छ।
मौसम पूर्वानुमान महाशाखाले भोलि पनि पानी पर्ने जनाएको छ।
यात्रुहरूलाई सावधानी अपनाउन अनुरोध गरिएको छ।
--
पोखराको फेवा तालमा पर्यटकहरूको भीड बढेको छ।
धेरैजसो मानिसहरू डुङ्गा चढ्न रमाउँछन्।
तालको किनारमा थुप्रै होटल र रेस्टुरेन्ट छन्।
@bn
সমস্ত মানুষ স্বাধীনভাবে সমান মর্যাদা
এবং অধিকার নিয়ে জন্মগ্রহণ করে।
তাঁদের বিবেক এবং বুদ্ধি আছে; সুতরাং সকলেরই
একে অপরের প্রতি ভ্রাতৃত্বসুলভ মনোভাব নিয়ে আচরণ করা উচিত।
--
ঢাকায় আজ সকাল থেকে বৃষ্টি হচ্ছে।
অনেক রাস্তায় পানি জমে যানজট সৃষ্টি হয়েছে।
আবহাওয়া অফিস আগামীকালও বৃষ্টির পূর্বাভাস দিয়েছে।
--
কলকাতার বইমেলায় এবার অনেক নতুন প্রকাশক এসেছেন।
ছোটদের জন্য আলাদা একটি মঞ্চ তৈরি করা হয়েছে।
মেলা চলবে আগামী রবিবার পর্যন্ত।
@as
সকলো মানুহ মুক্ত আৰু মৰ্যদা আৰু অধিকাৰত
সমান হৈ জন্মগ্ৰহণ কৰে। তেওঁলোকৰ বিবেক আৰু বুদ্ধি আছে।
সেয়েহে সকলোৱে একে-অপৰৰ প্ৰতি
ভাতৃত্বৰ মনোভাৱেৰে আচৰণ কৰা উচিত।
--
গুৱাহাটীত আজি পুৱাৰে পৰা বৰষুণ দি আছে।
কেইবাটাও পথত পানী জমা হোৱাত যান-বাহন লেহেমীয়া হৈছে।
বতৰ বিভাগে কাইলৈও বৰষুণৰ সম্ভাৱনাৰ কথা কৈছে।
--
বিহুৰ সময়ত গাঁৱে গাঁৱে আনন্দৰ পৰিৱেশ থাকে।
ডেকা-গাভৰুৱে ঢোল আৰু পেঁপাৰ তালে তালে নাচে।
মাকহঁতে পিঠা আৰু লাড়ু বনায়।
@pa
ਸਾਰਾ ਮਨੁੱਖੀ ਪਰਿਵਾਰ ਆਪਣੀ ਮਹਿਮਾ, ਸ਼ਾਨ ਅਤੇ ਹੱਕਾਂ ਦੇ ਪੱਖੋਂ
ਜਨਮ ਤੋਂ ਹੀ ਆਜ਼ਾਦ ਹੈ ਅਤੇ ਸਾਰੇ ਲੋਕ ਬਰਾਬਰ ਹਨ।
ਉਨ੍ਹਾਂ ਸਭਨਾ ਨੂੰ ਤਰਕ ਅਤੇ ਜ਼ਮੀਰ ਦੀ ਸੌਗਾਤ ਮਿਲੀ ਹੋਈ ਹੈ।
--
ਅੰਮ੍ਰਿਤਸਰ ਵਿੱਚ ਅੱਜ ਮੌਸਮ ਸਾਫ਼ ਰਹੇਗਾ।
ਦੁਪਹਿਰ ਨੂੰ ਤਾਪਮਾਨ ਤੀਹ ਡਿਗਰੀ ਤੱਕ ਪਹੁੰਚ ਸਕਦਾ ਹੈ।
ਸ਼ਾਮ ਨੂੰ ਹਲਕੀ ਹਵਾ ਚੱਲਣ ਦੀ ਸੰਭਾਵਨਾ ਹੈ।
--
ਸਾਡੇ ਪਿੰਡ ਵਿੱਚ ਨਵਾਂ ਸਕੂਲ ਖੁੱਲ੍ਹ ਗਿਆ ਹੈ।
ਬੱਚੇ ਹਰ ਰੋਜ਼ ਖ਼ੁਸ਼ੀ ਨਾਲ ਪੜ੍ਹਨ ਜਾਂਦੇ ਹਨ।
ਅਧਿਆਪਕ ਉਨ੍ਹਾਂ ਨੂੰ ਪੰਜਾਬੀ ਅਤੇ ਗਣਿਤ ਸਿਖਾਉਂਦੇ ਹਨ।
@gu
પ્રતિષ્ઠા અને અધિકારોની દૃષ્ટિએ સર્વ માનવો
જન્મથી સ્વતંત્ર અને સમાન હોય છે.
તેમનામાં વિચારશક્તિ અને અંતઃકરણ હોય છે
અને તેમણે પરસ્પર બંધુત્વની ભાવનાથી વર્તવું જોઇએ.
--
અમદાવાદમાં આજે ભારે ગરમી પડવાની શક્યતા છે.
હવામાન વિભાગે લોકોને બપોરે ઘરમાં રહેવા સલાહ આપી છે.
આવતા અઠવાડિયે વરસાદ આવી શકે છે.
--
નવરાત્રિમાં આખું ગામ ગરબા રમવા ભેગું થાય છે.
સ્ત્રીઓ રંગબેરંગી ચણિયાચોળી પહેરે છે.
મોડી રાત સુધી ઢોલના તાલે લોકો નાચે છે.
@or
ସବୁ ମନୁଷ୍ୟ ଜନ୍ମକାଳରୁ ସ୍ୱାଧୀନ।
ସେମାନଙ୍କର ମର୍ଯ୍ୟାଦା ଓ ଅଧିକାର ସମାନ।
ସେମାନଙ୍କଠାରେ ବୁଦ୍ଧି ଓ ବିବେକ ନିହିତ ଅଛି।
--
ଭୁବନେଶ୍ୱରରେ ଆଜି ପ୍ରବଳ ବର୍ଷା ହୋଇଛି।
ଅନେକ ରାସ୍ତାରେ ପାଣି ଜମି ରହିଛି।
ପାଣିପାଗ ବିଭାଗ ଆସନ୍ତାକାଲି ମଧ୍ୟ ବର୍ଷା ହେବ ବୋଲି କହିଛି।
--
ପୁରୀର ରଥଯାତ୍ରା ଦେଖିବାକୁ ଲକ୍ଷ ଲକ୍ଷ ଭକ୍ତ ଆସନ୍ତି।
ତିନୋଟି ବଡ଼ ରଥ ବଡ଼ଦାଣ୍ଡରେ ଟଣା ହୁଏ।
ସହରରେ ସେତେବେଳେ ଉତ୍ସବର ପରିବେଶ ରହେ।
@ta
மனிதப் பிறவியினர் சகலரும் சுதந்திரமாகவே பிறக்கின்றனர்;
அவர்கள் மதிப்பிலும், உரிமைகளிலும் சமமானவர்கள்.
அவர்கள் ஒருவருடனொருவர் சகோதர உணர்வுப் பாங்கில்
நடந்துகொள்ளல் வேண்டும்.
--
சென்னையில் இன்று பலத்த மழை பெய்யும் என எதிர்பார்க்கப்படுகிறது.
தாழ்வான பகுதிகளில் வசிப்பவர்கள் எச்சரிக்கையாக இருக்க வேண்டும்.
பள்ளிகளுக்கு இன்று விடுமுறை அறிவிக்கப்பட்டுள்ளது.
--
மதுரை மீனாட்சி அம்மன் கோயிலில் திருவிழா தொடங்கியது.
ஆயிரக்கணக்கான பக்தர்கள் தரிசனம் செய்ய வந்தனர்.
நகரம் முழுவதும் விளக்குகளால் அலங்கரிக்கப்பட்டுள்ளது.
@te
ప్రతిపత్తిస్వత్వముల విషయమున మానవులెల్లరును
జన్మతః స్వతంత్రులును సమానులును నగుదురు.
వారు వివేదంతఃకరణ సంపన్నులగుటచే
పరస్పరము భ్రాతృభావముతో వర్తింపవలయును.
--
హైదరాబాదులో ఈరోజు ఉష్ణోగ్రతలు బాగా పెరిగాయి.
మధ్యాహ్నం బయటకు వెళ్లవద్దని అధికారులు సూచించారు.
రేపు సాయంత్రం తేలికపాటి వర్షం పడే అవకాశం ఉంది.
--
మా ఊరిలో సంక్రాంతి పండుగ ఘనంగా జరుగుతుంది.
ఇంటి ముందు రంగురంగుల ముగ్గులు వేస్తారు.
పిల్లలు గాలిపటాలు ఎగురవేస్తూ ఆనందిస్తారు.
@kn
ಎಲ್ಲಾ ಮಾನವರೂ ಸ್ವತಂತ್ರರಾಗಿಯೇ ಜನಿಸಿದ್ದಾರೆ.
ಹಾಗೂ ಘನತೆ ಮತ್ತು ಹಕ್ಕುಗಳಲ್ಲಿ ಸಮಾನರಾಗಿದ್ದಾರೆ.
ವಿವೇಕ ಮತ್ತು ಅಂತಃಕರಣಗಳನ್ನು ಪಡೆದವರಾದ್ದರಿಂದ
ಅವರು ಪರಸ್ಪರ ಸಹೋದರ ಭಾವದಿಂದ ವರ್ತಿಸಬೇಕು.
--
ಬೆಂಗಳೂರಿನಲ್ಲಿ ಇಂದು ಭಾರಿ ಮಳೆಯಾಗುವ ಸಾಧ್ಯತೆ ಇದೆ.
ಹವಾಮಾನ ಇಲಾಖೆ ಹಳದಿ ಎಚ್ಚರಿಕೆ ನೀಡಿದೆ.
ವಾಹನ ಸವಾರರು ಎಚ್ಚರಿಕೆಯಿಂದ ಸಂಚರಿಸಬೇಕು.
--
ಮೈಸೂರು ದಸರಾ ಉತ್ಸವ ನೋಡಲು ಸಾವಿರಾರು ಜನರು ಬರುತ್ತಾರೆ.
ಅರಮನೆಯನ್ನು ದೀಪಗಳಿಂದ ಅಲಂಕರಿಸಲಾಗುತ್ತದೆ.
ಆನೆಗಳ ಮೆರವಣಿಗೆ ಎಲ್ಲರ ಗಮನ ಸೆಳೆಯುತ್ತದೆ.
@ml
മനുഷ്യരെല്ലാവരും തുല്യാവകാശങ്ങളോടും അന്തസ്സോടും
സ്വാതന്ത്ര്യത്തോടുംകൂടി ജനിച്ചിട്ടുള്ളവരാണ്.
അന്യോന്യം ഭ്രാതൃഭാവത്തോടെ പെരുമാറുവാനാണ്
മനുഷ്യന്നു വിവേകബുദ്ധിയും മനസ്സാക്ഷിയും സിദ്ധമായിരിക്കുന്നത്.
--
തിരുവനന്തപുരത്ത് ഇന്ന് കനത്ത മഴയ്ക്ക് സാധ്യത.
തീരപ്രദേശങ്ങളിൽ ജാഗ്രതാ നിർദേശം നൽകി.
മത്സ്യത്തൊഴിലാളികൾ കടലിൽ പോകരുതെന്ന് അറിയിച്ചു.
--
ഓണത്തിന് വീടുകളിൽ പൂക്കളം ഒരുക്കുന്നു.
കുട്ടികൾ പുതിയ വസ്ത്രങ്ങൾ അണിഞ്ഞ് സന്തോഷിക്കുന്നു.
ഉച്ചയ്ക്ക് എല്ലാവരും ചേർന്ന് സദ്യ കഴിക്കുന്നു.
@si
සියලු මනුෂ්‍යයෝ නිදහස්ව උපත ලබා ඇත.
ගරුත්වයෙන් හා අයිතිවාසිකම්වලින් සමාන වෙති.
යුක්ති අයුක්ති පිළිබඳ හැඟීමෙන් හා හෘදය සාක්ෂියෙන් යුත් ඔවුන්,
ඔවුනොවුන්ට සැළකිය යුත්තේ සහෝදරත්වය පිළිබඳ හැඟීමෙනි.
--
කොළඹ ප්‍රදේශයට අද සවස වැසි ඇති විය හැක.
කාලගුණ විද්‍යා දෙපාර්තමේන්තුව මේ බව දන්වා සිටියි.
ධීවරයින් මුහුදු යාමෙන් වැළකී සිටිය යුතුය.
--
මහනුවර ඇසළ පෙරහැර බැලීමට බොහෝ දෙනා පැමිණෙති.
අලංකාර ඇතුන් වීදි හරහා ගමන් කරති.
නගරය පුරා උත්සව පරිසරයක් දක්නට ලැබේ.
@th
มนุษย์ทั้งหลายเกิดมามีอิสระและเสมอภาคกัน
ในเกียรติศักดิ์และสิทธิ ต่างมีเหตุผลและมโนธรรม
และควรปฏิบัติต่อกันด้วยเจตนารมณ์แห่งภราดรภาพ
--
กรมอุตุนิยมวิทยาเตือนว่าจะมีฝนตกหนักในภาคใต้
ประชาชนควรระวังน้ำท่วมฉับพลันและน้ำป่าไหลหลาก
โดยเฉพาะในพื้นที่ใกล้เชิงเขาและทางน้ำไหลผ่าน
--
ตลาดน้ำดำเนินสะดวกเปิดทุกวันตั้งแต่เช้าตรู่
นักท่องเที่ยวสามารถซื้อผลไม้และอาหารจากเรือ
ราคาสินค้าไม่แพงและแม่ค้าอัธยาศัยดี
@lo
ມະນຸດທຸກຄົນເກີດມາມີກຽດສັກສີ ແລະ ສິດທິເທົ່າທຽມກັນ.
ທຸກໆຄົນມີເຫດຜົນ ແລະ ຄວາມຄິດຄວາມເຫັນສ່ວນຕົວ,
ແຕ່ວ່າມະນຸດທຸກໆຄົນຄວນປະພຶດຕໍ່ກັນຄືກັບເປັນອ້າຍນ້ອງກັນ.
--
ມື້ນີ້ຢູ່ນະຄອນຫຼວງວຽງຈັນອາກາດຮ້ອນຫຼາຍ.
ກົມອຸຕຸນິຍົມແນະນຳໃຫ້ປະຊາຊົນດື່ມນ້ຳຫຼາຍໆ.
ຄາດວ່າຈະມີຝົນຕົກໃນຕອນແລງ.
--
ຕະຫຼາດເຊົ້າເປີດທຸກວັນແຕ່ເຈັດໂມງເຊົ້າ.
ມີຜັກ, ໝາກໄມ້ ແລະ ເຂົ້າໜຽວຂາຍຫຼາຍຢ່າງ.
ນັກທ່ອງທ່ຽວມັກມາຊື້ຜ້າໄໝຢູ່ທີ່ນີ້.
@km
មនុស្សទាំងអស់កើតមកមានសេរីភាព
និងភាពស្មើៗគ្នាក្នុងសិទ្ធិ និងសេចក្ដីថ្លៃថ្នូរ។
មនុស្សគ្រប់រូបសុទ្ធតែមានវិចារណញ្ញាណ និងសតិសម្បជញ្ញៈ
ហើយត្រូវប្រព្រឹត្តចំពោះគ្នាទៅវិញទៅមកក្នុងស្មារតីភាតរភាព។
--
ភ្នំពេញនឹងមានភ្លៀងធ្លាក់ខ្លាំងនៅថ្ងៃស្អែក។
ក្រសួងធនធានទឹកបានព្រមានប្រជាពលរដ្ឋឱ្យប្រុងប្រយ័ត្ន។
សីតុណ្ហភាពនឹងធ្លាក់ចុះបន្តិចនៅចុងសប្ដាហ៍។
--
ប្រាសាទអង្គរវត្តទាក់ទាញភ្ញៀវទេសចរជាច្រើន។
ពួកគេមកមើលថ្ងៃរះនៅពេលព្រឹកព្រលឹម។
ផ្សារនៅសៀមរាបលក់សិប្បកម្មនិងម្ហូបខ្មែរ។
@my
လူတိုင်းသည် တူညီ လွတ်လပ်သော ဂုဏ်သိက္ခာဖြင့် လည်းကောင်း၊
တူညီလွတ်လပ်သော အခွင့်အရေးများဖြင့် လည်းကောင်း၊
မွေးဖွားလာသူများ ဖြစ်သည်။
--
ရန်ကုန်မြို့တွင် ယနေ့ မိုးသည်းထန်စွာ ရွာသွန်းမည်။
မိုးလေဝသ ဌာနက ပြည်သူများကို သတိပေးထားသည်။
မြစ်ကမ်းနားတွင် နေထိုင်သူများ သတိထားရန် လိုအပ်သည်။
--
မန္တလေးဈေးတွင် လက်ဖက်နှင့် ပဲမျိုးစုံ ရောင်းချသည်။
ဈေးသည်များသည် နံနက်စောစော ဆိုင်ဖွင့်ကြသည်။
ဧည့်သည်များအတွက် ရိုးရာအစားအစာများလည်း ရှိသည်။
@bo
འགྲོ་བ་མིའི་རིགས་རྒྱུད་ཡོངས་ལ་སྐྱེས་ཙམ་ཉིད་ནས་
ཆེ་མཐོངས་དང་ཐོབ་ཐང་གི་རང་དབང་འདྲ་མཉམ་དུ་ཡོད།
ཁོང་ཚོར་རང་བྱུང་གི་བློ་རྩལ་དང་བསམ་ཚུལ་བཟང་པོ་ཡོད།
--
ལྷ་སར་དེ་རིང་གནམ་གཤིས་ཡག་པོ་འདུག
ཉི་མ་ཤར་ནས་གྲང་ངར་ཆུང་དུ་ཕྱིན་འདུག
སང་ཉིན་ཆར་པ་འབབ་སྲིད།
--
ང་ཚོའི་སློབ་གྲྭར་དཔེ་མཛོད་ཁང་གསར་པ་ཞིག་ཕྱེ་སོང་།
དེའི་ནང་དུ་བོད་ཡིག་དཔེ་ཆ་མང་པོ་ཡོད།
སློབ་ཕྲུག་ཚོས་ཉིན་རེ་བཞིན་དཔེ་ཆ་ཀློག་གི་ཡོད།
@ka
ყველა ადამიანი იბადება თავისუფალი და თანასწორი
თავისი ღირსებითა და უფლებებით.
მათ მინიჭებული აქვთ გონება და სინდისი
და ერთმანეთის მიმართ უნდა იქცეოდნენ ძმობის სულისკვეთებით.
--
თბილისში ხვალ თბილი და მზიანი ამინდი იქნება.
საღამოს შესაძლებელია მოკლევადიანი წვიმა.
ჰაერის ტემპერატურა ოცდაათ გრადუსს მიაღწევს.
--
ძველი თბილისის ქუჩებში ბევრი ტურისტი სეირნობს.
ისინი აბანოებსა და ძველ ეკლესიებს ათვალიერებენ.
საღამოს რესტორნებში ქართულ ღვინოს აგემოვნებენ.
@hy
Բոլոր մարդիկ ծնվում են ազատ ու հավասար
իրենց արժանապատվությամբ ու իրավունքներով։
Նրանք օժտված են բանականությամբ ու խղճով
և միմյանց պետք է եղբայրաբար վերաբերվեն։
--
Երևանում վաղը սպասվում է արևոտ և տաք եղանակ։
Օդի ջերմաստիճանը կհասնի երեսուն աստիճանի։
Երեկոյան հնարավոր է թույլ քամի։
--
Գյումրիի շուկայում վաճառում են թարմ միրգ և բանջարեղեն։
Գնորդները շատ են հատկապես շաբաթ օրերին։
Գները այս տարի մի փոքր բարձրացել են։
@am
የሰው ልጅ ሁሉ ሲወለድ ነጻና በክብርና በመብትም
እኩልነት ያለው ነው። የተፈጥሮ ማስተዋልና ሕሊና ስላለው
አንዱ ሌላውን በወንድማማችነት መንፈስ መመልከት ይገባዋል።
--
በአዲስ አበባ ዛሬ ከባድ ዝናብ ይጠበቃል።
የሜትሮሎጂ ኢንስቲትዩት ነዋሪዎች ጥንቃቄ እንዲያደርጉ አሳስቧል።
ነገ ፀሐያማ የአየር ሁኔታ ይኖራል።
--
በመርካቶ ገበያ ብዙ ሰዎች ቡና እና ቅመማ ቅመም ይገዛሉ።
ነጋዴዎቹ ከጠዋት ጀምሮ ሱቆቻቸውን ይከፍታሉ።
ገበያው በተለይ በበዓል ቀናት ይጨናነቃል።
@ti
ኵሉ ሰብ ብተፈጥሮኡ ናጻን ብማዕረ ክብርን መሰልን
ዝወሃቦ እዩ። ምስትውዓልን ሕልናን ዝተዓደሎ ብምዃኑ
ንሓድሕዱ ብሕውነታዊ መንፈስ ክተሓላለ ይግባእ።
--
ኣብ ኣስመራ ሎሚ ጽቡቕ ኣየር ኣሎ።
ጽባሕ ዝናብ ክዘንብ ይኽእል እዩ።
ሰባት ጥንቃቐ ክገብሩ ይምከሩ።
--
ኣብ ዕዳጋ መቐለ ብዙሓት ሰባት ይዕድጉ።
ነጋዶ ካብ ንግሆ ጀሚሮም ድኳናቶም ይኸፍቱ።
ዋጋ ቡን ሎሚ ዓመት ወሲኹ እዩ።
@ko
모든 인간은 태어날 때부터 자유로우며
그 존엄과 권리에 있어 동등하다.
인간은 천부적으로 이성과 양심을 부여받았으며
서로 형제애의 정신으로 행동하여야 한다.
--
서울 지역에 내일 오후부터 많은 비가 내릴 예정입니다.
기상청은 저지대 주민들에게 각별한 주의를 당부했습니다.
비는 주말 아침에 그칠 것으로 보입니다.
--
새로 문을 연 도서관에는 어린이 열람실이 있습니다.
주민들은 매일 아침 아홉 시부터 책을 빌릴 수 있습니다.
주말에는 작가와의 만남 행사도 열립니다.
@ch
人人生而自由，在尊严和权利上一律平等。
他们赋有理性和良心，
并应以兄弟关系的精神相对待。
--
北京明天将迎来大范围降雨天气。
气象部门提醒市民出行注意安全。
预计周末气温将有所回升。
--
新建的图书馆周一正式对外开放。
馆内藏书超过二十万册，设有儿童阅览区。
开放时间为每天上午九点至晚上九点。
@chinese_cht
人人生而自由，在尊嚴和權利上一律平等。
他們賦有理性和良心，
並應以兄弟關係的精神相對待。
--
臺北市明天午後可能出現雷陣雨。
氣象局提醒民眾外出攜帶雨具。
週末天氣將逐漸轉為晴朗。
--
這家老茶館已經有一百多年的歷史。
許多遊客特地前來品嚐烏龍茶和點心。
店主說傳統的味道最重要。
@ja
すべての人間は、生まれながらにして自由であり、
かつ、尊厳と権利とについて平等である。
人間は、理性と良心とを授けられており、
互いに同胞の精神をもって行動しなければならない。
--
東京では明日、朝から強い雨が降る見込みです。
気象庁は土砂災害に注意するよう呼びかけています。
週末には天気が回復する予報です。
--
駅前に新しいパン屋がオープンしました。
メロンパンとクロワッサンが特に人気です。
毎朝七時から営業しています。
@dv
ހުރިހާ އިންސާނުންވެސް ދުނިޔެއަށް އުފަންވަނީ، މިނިވަންކަމުގައި،
ހަމަހަމަ ޙައްޤުތަކަކާއެކު، ހަމަހަމަ ދަރަޖައެއްގައި
ކަމޭހިތެވިގެންވާ ބައެއްގެ ގޮތުގައެވެ.
--
މާލޭގައި މިއަދު ވާރޭ ވެހޭނެ ކަމަށް ލަފާކުރެވޭ.
މޫސުމީ ޚިދުމަތުން ރައްޔިތުންނަށް ސަމާލުވުމަށް އެދެއެވެ.
މާދަމާ މޫސުން ރަނގަޅުވާނެއެވެ.
--
ރާއްޖޭގެ ރަށްރަށަށް ގިނަ ފަތުރުވެރިން ޒިޔާރަތްކުރެއެވެ.
އެމީހުން ކަނޑުގައި ފީނުމަށް ވަރަށް ޝައުޤުވެރިވެއެވެ.
އަތޮޅުތަކުގައި އަލަށް ރިސޯޓުތައް ހުޅުވެމުންދެއެވެ.
@syr
ܟܠܗܘܢ ܒܢܝܢܫܐ ܚܐܪܐ ܡܬܝܠܕܝܢ
ܘܫܘܝܢ ܒܐܝܩܪܐ ܘܒܙܕܩܐ. ܐܝܬ ܠܗܘܢ ܗܘܢܐ ܘܬܐܪܬܐ
ܘܘܠܐ ܠܗܘܢ ܕܢܬܕܒܪܘܢ ܚܕ ܥܡ ܚܕ ܒܪܘܚܐ ܕܐܚܘܬܐ.
--
ܒܪܫܝܬ ܒܪܐ ܐܠܗܐ ܝܬ ܫܡܝܐ ܘܝܬ ܐܪܥܐ.
ܘܐܪܥܐ ܗܘܬ ܬܘܗ ܘܒܘܗ ܘܚܫܘܟܐ ܥܠ ܐܦܝ ܬܗܘܡܐ.
ܘܪܘܚܗ ܕܐܠܗܐ ܡܪܚܦܐ ܗܘܬ ܥܠ ܐܦܝ ܡܝܐ.
--
ܒܪܫܝܬ ܐܝܬܘܗܝ ܗܘܐ ܡܠܬܐ ܘܗܘ ܡܠܬܐ ܐܝܬܘܗܝ ܗܘܐ ܠܘܬ ܐܠܗܐ.
ܐܒܘܢ ܕܒܫܡܝܐ ܢܬܩܕܫ ܫܡܟ ܬܐܬܐ ܡܠܟܘܬܟ.
ܢܗܘܐ ܨܒܝܢܟ ܐܝܟܢܐ ܕܒܫܡܝܐ ܐܦ ܒܐܪܥܐ.
@chr
ᏗᏓᎴᏂᏍᎬᎢ ᎧᏃᎮᏛ ᎡᎮᎢ,
ᎠᎴ ᎾᏍᎩ ᎧᏃᎮᏛ ᎤᏁᎳᏅᎯ ᎢᏧᎳᎭ ᎠᏁᎮᎢ,
ᎠᎴ ᎾᏍᎩ ᎧᏃᎮᏛ ᎤᏁᎳᏅᎯ ᎨᏒᎢ.
--
ᎣᏏᏲ! ᏙᎯᏧ? ᎣᏍᏓ ᎨᏒ ᎪᎯ ᎢᎦ.
ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ ᏓᏕᎶᏆᏍᏗ ᏓᏂᎧᏅᎢ ᏣᎳᎩ ᎠᏰᎵ.
ᏩᏙ ᏍᎩᏯᏛᎦᏁᎸ.
--
ᏣᎳᎩ ᎠᏰᎵ ᏧᏂᎳᏫᏍᏗ ᏓᎾᏓᏟᏏᏍᎬ.
ᏗᏂᏲᏟ ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ ᏓᏂᏕᎶᏆᎥ.
ᎠᏂᏴᏫᏯ ᎤᎾᏤᎵ ᏗᎦᏃᏣᎳᏅ ᎠᏓᏁᏟᏴᏍᏗ.
@iu
ᓄᓇᕗᒻᒥ ᐃᓄᒃᑎᑐᑦ ᐅᖃᐅᓯᖅ ᐊᑐᖅᑕᐅᕗᖅ.
ᐃᓕᓐᓂᐊᕐᕖᑦ ᐃᓄᒃᑎᑐᑦ ᐃᓕᓐᓂᐊᖅᑎᑦᑎᔪᑦ.
ᒐᕙᒪᒃᑯᑦ ᐃᓄᐃᑦ ᐅᖃᐅᓯᖓᑦ ᓴᐳᒻᒥᔪᑦ.
--
ᐅᓪᓗᒥ ᐃᖃᓗᓐᓂ ᓯᓚ ᐃᒃᐱᒋᓇᖅᑐᖅ.
ᐅᑭᐅᖅ ᑕᑭᔪᖅ ᐊᒻᒪ ᓇᓄᐃᑦ ᑕᑯᔭᐅᔪᑦ.
ᐃᓄᐃᑦ ᑐᒃᑐᓂᒃ ᐊᖑᓇᓱᒃᑐᑦ.
--
ᐃᓄᐃᑦ ᓇᓕᖢᒃᑕᐅᓪᓗᑎᒃ ᐃᓅᓕᖅᑐᑦ ᐃᓱᒪᑐᐃᓐᓇᕆᐊᖃᕐᓂᒃᑯᑦ.
ᐃᓱᒪᖃᕐᑐᑦ ᐊᒻᒪ ᐃᓱᒪᒋᔭᖃᕐᑐᑦ,
ᐃᓚᒌᑦᑐᑦ ᐱᐅᓯᖃᕆᐊᖃᕐᑐᑦ.
"""

# English pages of short cells: "|" separates a row's cells; a row without "|" spans the page.
_TABLE_PAGES = """
QUARTERLY SUPPLY ORDER
BY RALPH KINNEY BENNETT
ITEM | QTY | PRICE | GST | OK
Paper A4 | 10 | 4.99 | 0.25 | yes+
Toner XL | 2 | 89.00 | 4.45 | no
Stapler | 1 | 12.50 | 0.63 | yes+
TOTAL | 13 | 106.49 | 5.33 | -
--
SCHEDULE OF FEES (GST INCL.)
Day | Time | Room | Fee | Paid
Mon | 9:00 | 4B | $25.00 | yes+
Tue | 10:30 | Hall C | $40.00 | no
Thu | 14:15 | 2A | $18.50 | yes
Sat | 8:45 | GYM | $60.00 | n/a
Late payment adds 10% per week.
--
THE NEIGHBORHOOD REPORT
BY MARGARET O'HARA AND JOHN T. WELLS
Ward | Votes | Turnout | Change | OK
North | 1,204 | 61% | +3.2 | yes+
South | 987 | 55% | -1.1 | no
East | 1,530 | 67% | +0.4 | yes+
West | 742 | 48% | n/a | GST
Source: City Clerk, Nov. 5, 1996 (unofficial).
"""


def _parse_texts(block: str) -> dict[str, list[list[str]]]:
    texts: dict[str, list[list[str]]] = {}
    code = ""
    for raw in block.strip().splitlines():
        line = raw.strip()
        if line.startswith("@"):
            code = line[1:]
            texts[code] = [[]]
        elif line == "--":
            texts[code].append([])
        elif line:
            texts[code][-1].append(line)
    return texts


def _parse_pages(block: str) -> list[list[tuple[str, ...]]]:
    pages = block.strip().split("\n--\n")
    return [[tuple(cell.strip() for cell in row.split("|")) for row in page.splitlines()] for page in pages]


TEXTS: dict[str, list[list[str]]] = _parse_texts(_TEXTS)
TABLE_PAGES: list[list[tuple[str, ...]]] = _parse_pages(_TABLE_PAGES)


@functools.cache
def _font_paths() -> dict[str, Path]:
    """Every font file under FONT_DIRS by file name."""
    found: dict[str, Path] = {}
    for folder in FONT_DIRS:
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in {".ttf", ".otf", ".ttc"}:
                found.setdefault(path.name, path)
    return found


@functools.cache
def _face_index(path: Path, face: str | None) -> int | None:
    """The index of `face` in a font collection (0 for a single font); None when it is not there."""
    if face is None:
        return 0
    for index in range(64):
        try:
            if ImageFont.truetype(str(path), 12, index=index).getname()[0] == face:
                return index
        except OSError:
            return None
    return None


@functools.cache
def load_font(spec: FontSpec, size: int, basic: bool = False) -> ImageFont.FreeTypeFont | None:
    """The font at `size` pixels (raqm layout when available), or None when it is not installed."""
    path = _font_paths().get(spec.file)
    index = _face_index(path, spec.face) if path else None
    if path is None or index is None:
        return None
    layout = ImageFont.Layout.RAQM if features.check("raqm") and not basic else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), size, index=index, layout_engine=layout)


def _glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    size = int(font.size)
    image = Image.new("L", (size * 3, size * 3), 0)
    ImageDraw.Draw(image).text((size, size), char, font=font, fill=255)
    return image.tobytes()


@functools.cache
def _notdef(spec: FontSpec) -> bytes | None:
    font = load_font(spec, 24, basic=True)
    return None if font is None else _glyph(font, NOTDEF_PROBE)


@functools.cache
def has_glyph(spec: FontSpec, char: str) -> bool:
    """Whether the font maps `char` (spaces and format characters always pass)."""
    if char.isspace() or _is_format(char):
        return True
    font = load_font(spec, 24, basic=True)
    return font is not None and _glyph(font, char) != _notdef(spec)


def fallback_for(spec: FontSpec) -> FontSpec:
    """The font that draws the punctuation and digits a script's font lacks (Noto Hebrew has no ".")."""
    return FALLBACK_SERIF if "Serif" in spec.label or "Myeongjo" in spec.label else FALLBACK_SANS


def _borrowable(char: str) -> bool:
    return unicodedata.category(char)[0] in "PNSZ"


@functools.cache
def covers(spec: FontSpec, text: str) -> bool:
    """Whether the font draws every letter of `text` (the fallback may draw punctuation and digits)."""
    fallback = fallback_for(spec)
    return all(has_glyph(spec, c) or (_borrowable(c) and has_glyph(fallback, c)) for c in set(text))


def _is_format(char: str) -> bool:
    return unicodedata.category(char) == "Cf"


def script_of_language(code: str) -> str:
    return LANGUAGES[code].script


def fonts_for(code: str) -> tuple[FontSpec, ...]:
    """The fonts a language is rendered with, installed or not, in order of preference."""
    return LANGUAGE_FONTS.get(code) or SCRIPT_FONTS[script_of_language(code)]


def installed_fonts(code: str, text: str) -> list[FontSpec]:
    """The fonts of `code` installed here that cover `text`."""
    return [spec for spec in fonts_for(code) if load_font(spec, 24) is not None and covers(spec, text)]


def unavailable() -> dict[str, str]:
    """Languages of TEXTS that cannot be rendered here, with the reason."""
    reasons: dict[str, str] = {}
    for code, texts in TEXTS.items():
        script = script_of_language(code)
        if script in COMPLEX_SCRIPTS and not features.check("raqm"):
            reasons[code] = f"{script} needs shaping and PIL has no raqm"
        elif missing := [i + 1 for i, lines in enumerate(texts) if not installed_fonts(code, "\n".join(lines))]:
            reasons[code] = f"no installed font covers text(s) {missing} (tried {[s.file for s in fonts_for(code)]})"
    return reasons


@dataclass(frozen=True)
class Sample:
    """One rendered page: `text` is the ground truth (lines joined by "\\n"); `image()` renders it."""

    id: str
    language: str
    script: str
    text: str
    variant: str
    split: str
    layout: str
    font: FontSpec
    size: int
    scanned: bool
    rows: tuple[tuple[str, ...], ...]  # the lines (a table's rows split in cells)

    def image(self) -> np.ndarray:
        """The page as an RGB uint8 array (rendered on each call)."""
        page = render(self.rows, self.font, self.size, self.language)
        if self.scanned:
            page = scan(page, seed(self.id))
        return np.asarray(page.convert("RGB"))

    def manifest(self) -> dict:
        keys = ("id", "language", "script", "text", "variant", "split", "layout", "size", "scanned")
        return {key: getattr(self, key) for key in keys} | {"font": self.font.label}


@dataclass(frozen=True)
class Options:
    """Which renderings `samples` yields: the first `fonts` fonts of each language (None: all)."""

    fonts: int | None = None
    sizes: tuple[int, ...] = SIZES
    scanned: bool | None = None  # None: clean and scanned; True/False: only scanned/only clean
    layouts: tuple[str, ...] = LAYOUTS

    def scan_modes(self) -> tuple[bool, ...]:
        return (False, True) if self.scanned is None else (self.scanned,)


def seed(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


def _text_options(code: str) -> dict:
    script = script_of_language(code)
    options: dict = {"language": RAQM_LANGUAGE.get(code, code.split("_")[0])}
    if script in RTL_SCRIPTS:
        options["direction"] = "rtl"
    return options if features.check("raqm") else {}


@dataclass(frozen=True)
class _Line:
    """A text cut in runs of one font each, measured: run advances, ink above/below the baseline."""

    runs: tuple[tuple[str, ImageFont.FreeTypeFont, float], ...]
    top: int
    bottom: int

    @property
    def width(self) -> int:
        return int(sum(advance for _, _, advance in self.runs)) + 1


def _measure(text: str, spec: FontSpec, size: int, options: dict) -> _Line:
    """`text` cut where the script's font lacks a character that its fallback font draws."""
    fonts = {True: load_font(spec, size), False: load_font(fallback_for(spec), size)}
    pieces: list[tuple[str, bool]] = []
    for char in text:
        own = has_glyph(spec, char)
        if pieces and pieces[-1][1] == own:
            pieces[-1] = (pieces[-1][0] + char, own)
        else:
            pieces.append((char, own))
    runs, top, bottom = [], 0, 0
    for piece, own in pieces:
        font = fonts[own]
        assert font is not None
        box = font.getbbox(piece, anchor="ls", **options)
        top, bottom = min(top, int(box[1])), max(bottom, int(box[3]) + 1)
        runs.append((piece, font, font.getlength(piece, **options)))
    return _Line(tuple(runs), top, bottom)


def _draw(draw: ImageDraw.ImageDraw, line: _Line, x: float, baseline: int, options: dict, rtl: bool) -> None:
    """Draw the runs from `x` (the left edge; the right edge for right-to-left text, runs laid leftwards)."""
    for piece, font, advance in line.runs:
        if rtl:
            x -= advance
        draw.text((x, baseline), piece, font=font, fill=INK, anchor="ls", **options)
        if not rtl:
            x += advance


def _columns(placed: list[list[_Line]], gap: int) -> list[int]:
    """Left x of each table column (relative to the margin), from the widest cell of each column."""
    count = max(len(cells) for cells in placed)
    widths = [0] * count
    for cells in placed:
        if len(cells) > 1:
            for i, cell in enumerate(cells):
                widths[i] = max(widths[i], cell.width)
    return [sum(widths[:i]) + gap * i for i in range(count)]


def render(rows: Sequence[tuple[str, ...]], spec: FontSpec, size: int, code: str) -> Image.Image:
    """Black text on a white page: one row per line, table cells in columns, RTL lines right-aligned."""
    font = load_font(spec, size)
    if font is None:
        raise RuntimeError(f"font {spec.file} is not installed")
    options = _text_options(code)
    rtl = options.get("direction") == "rtl"
    placed = [[_measure(cell, spec, size, options) for cell in row] for row in rows]
    columns = _columns(placed, int(CELL_GAP * size))
    ascent, descent = font.getmetrics()
    ascent = max([ascent] + [-cell.top for cells in placed for cell in cells])
    descent = max([descent] + [cell.bottom for cells in placed for cell in cells])
    pitch = int(LINE_GAP * (ascent + descent))
    margin = max(32, 2 * size)
    text_width = max(columns[len(cells) - 1] + cells[-1].width for cells in placed)
    width, height = text_width + 2 * margin, len(rows) * pitch + 2 * margin
    page = Image.new("L", (width, height), PAPER)
    draw = ImageDraw.Draw(page)
    for i, cells in enumerate(placed):
        baseline = margin + ascent + i * pitch
        if rtl and len(cells) == 1:
            _draw(draw, cells[0], width - margin, baseline, options, rtl=True)
            continue
        for j, cell in enumerate(cells):
            _draw(draw, cell, margin + columns[j], baseline, options, rtl=False)
    return page


def scan(page: Image.Image, rng_seed: int) -> Image.Image:
    """A scanned look: grey uneven paper, turned by 0.3-1 degree, blurred, noisy, JPEG round trip."""
    rng = np.random.default_rng(rng_seed)
    angle = float(rng.uniform(0.3, 1.0) * rng.choice([-1, 1]))
    turned = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=PAPER)
    coverage = 1.0 - np.asarray(turned, dtype=np.float32) / 255.0
    height, width = coverage.shape
    paper = rng.uniform(205, 235) + np.linspace(0, rng.uniform(-12, 12), width)[None, :]
    ink = rng.uniform(20, 50)
    grey = paper - (paper - ink) * coverage
    blurred = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(float(rng.uniform(0.5, 1.0)))
    )
    noisy = np.asarray(blurred, dtype=np.float32) + rng.normal(0, rng.uniform(4, 9), (height, width))
    tint = np.array([1.0, 0.985, 0.95], dtype=np.float32)
    rgb = np.clip(noisy[:, :, None] * tint, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=int(rng.integers(45, 75)))
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def _split(number: int) -> str:
    return HELDOUT if number == HELDOUT_TEXT else TUNE


def _variants(code: str, number: int, layout: str, rows: list[tuple[str, ...]], options: Options) -> Iterator[Sample]:
    text = "\n".join(" ".join(row) for row in rows)
    fonts = installed_fonts(code, text)[: options.fonts]
    for scanned in options.scan_modes():
        for spec in fonts:
            for size in options.sizes:
                kind = "scan" if scanned else "clean"
                sample_id = f"{code}-t{number}-{layout}-{spec.label}-{size}-{kind}"
                variant = f"{layout}, {spec.label}, {size}px, {'scanned' if scanned else 'clean'}"
                yield Sample(
                    sample_id, code, script_of_language(code), text, variant, _split(number), layout, spec, size,
                    scanned, tuple(rows),
                )  # fmt: skip


def _language_samples(code: str, split: str | None, options: Options) -> Iterator[Sample]:
    for number, lines in enumerate(TEXTS[code], start=1):
        if split and _split(number) != split:
            continue
        for layout in ("line", "paragraph"):
            if layout in options.layouts:
                rows = [(line,) for line in (lines[:1] if layout == "line" else lines)]
                yield from _variants(code, number, layout, rows, options)
    if code == "en" and "table" in options.layouts:
        for number, rows in enumerate(TABLE_PAGES, start=1):
            if not split or _split(number) == split:
                yield from _variants(code, number, "table", rows, options)


def samples(
    split: str | None = None, languages: Iterable[str] | None = None, options: Options | None = None
) -> Iterator[Sample]:
    """The set's samples in a fixed order (language, text, layout, clean/scanned, font, size); images are
    rendered only when `Sample.image()` is called. Languages that cannot be rendered here are left out
    (see `unavailable()`)."""
    options = options or Options()
    skipped = unavailable()
    for code in languages or TEXTS:
        if code not in TEXTS:
            raise ValueError(f"no texts for language {code!r}; known: {', '.join(TEXTS)}")
        if code not in skipped:
            yield from _language_samples(code, split, options)


def fonts_by_script() -> dict[str, list[str]]:
    """The installed fonts each script's languages are rendered with."""
    found: dict[str, list[str]] = {}
    for code, texts in TEXTS.items():
        labels = found.setdefault(script_of_language(code), [])
        for spec in installed_fonts(code, "\n".join("\n".join(lines) for lines in texts)):
            if spec.label not in labels:
                labels.append(spec.label)
    return found


def summary() -> str:
    counts = Counter((sample.split, sample.layout) for sample in samples())
    lines = [f"raqm: {features.check('raqm')}; languages with texts: {len(TEXTS)}"]
    lines += [f"  {split}/{layout}: {n} samples" for (split, layout), n in sorted(counts.items())]
    lines += [f"  skipped {code}: {reason}" for code, reason in unavailable().items()]
    lines += [f"  {script}: {', '.join(labels)}" for script, labels in fonts_by_script().items()]
    return "\n".join(lines)


def parse_options(args: argparse.Namespace) -> Options:
    scanned = {"both": None, "scanned": True, "clean": False}[args.variants]
    return Options(fonts=args.fonts, sizes=tuple(args.sizes), scanned=scanned, layouts=tuple(args.layouts))


def add_set_arguments(parser: argparse.ArgumentParser) -> None:
    """The options choosing samples, shared with bench/language_auto.py."""
    parser.add_argument("--split", choices=[TUNE, HELDOUT, "all"], default="all")
    parser.add_argument("--languages", type=lambda s: s.split(","), help="comma-separated codes (default: all)")
    parser.add_argument("--fonts", type=int, help="the first N fonts of each language (default: all)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="font sizes in pixels")
    parser.add_argument("--variants", choices=["both", "clean", "scanned"], default="both")
    parser.add_argument("--layouts", nargs="+", choices=LAYOUTS, default=list(LAYOUTS))
    parser.add_argument("--limit", type=int, help="at most N samples per language")


def selected(args: argparse.Namespace) -> Iterator[Sample]:
    """The samples the shared options select, at most `--limit` per language."""
    split = None if args.split == "all" else args.split
    taken: Counter[str] = Counter()
    for sample in samples(split, args.languages, parse_options(args)):
        if args.limit is None or taken[sample.language] < args.limit:
            taken[sample.language] += 1
            yield sample


def write(folder: Path, chosen: Iterable[Sample]) -> int:
    """Write each sample's PNG and a manifest.jsonl line; the number written."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    with (folder / "manifest.jsonl").open("w", encoding="utf-8") as manifest:
        for sample in chosen:
            Image.fromarray(sample.image()).save(folder / f"{sample.id}.png")
            manifest.write(json.dumps(sample.manifest() | {"file": f"{sample.id}.png"}, ensure_ascii=False) + "\n")
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", help="folder for the PNGs and manifest.jsonl")
    parser.add_argument("--summary", action="store_true", help="print counts, fonts and skipped languages")
    add_set_arguments(parser)
    args = parser.parse_args()
    if args.summary or args.out is None:
        print(summary())
    if args.out is not None:
        print(f"wrote {write(args.out, selected(args))} samples to {args.out}")


if __name__ == "__main__":
    main()
