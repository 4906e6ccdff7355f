"""The generated invoices and forms of bench/chat_values.json, by name (see bench/invoice_documents.py)."""

from bench.invoice_documents import Beside, Columns, Grid, Part, Prose, Stacked

LINE_ITEMS_EN = Grid(
    [
        ["Item", "Description", "Qty", "Unit price", "Amount"],
        ["1", "Hydraulic pump HP-200", "2", "310.00", "620.00"],
        ["2", "Steel valve SV-15", "10", "24.50", "245.00"],
    ],
    [40, 200, 50, 80, 80],
)

INVOICE_EN: list[list[Part]] = [
    [
        Columns(
            Prose(["Harbour Tools Ltd", "12 Dock Street", "Leeds LS1 4AB", "United Kingdom"]),
            Beside(
                [
                    ("Invoice No.:", "HT-58213"),
                    ("Invoice date:", "3 March 2026"),
                    ("Order number:", "PO-77410"),
                    ("Customer ID:", "C-2291"),
                ]
            ),
        ),
        Prose(["INVOICE"]),
        LINE_ITEMS_EN,
        Beside([("Subtotal", "865.00 GBP"), ("VAT 20%", "173.00 GBP"), ("Total due", "1,038.00 GBP")], x=320, gap=110),
        Beside(
            [
                ("VAT Reg. No.:", "GB 284 5519 07"),
                ("IBAN:", "GB33 BUKB 2020 1555 5555 55"),
                ("Phone:", "+44 113 496 0721"),
                ("Email:", "accounts@harbourtools.example"),
            ]
        ),
        Prose(["Payment within 30 days of the invoice date. Thank you for your order."]),
    ]
]

RECHNUNG_DE: list[list[Part]] = [
    [
        Prose(["Kessler Maschinenbau GmbH", "Industriestraße 8, 70565 Stuttgart"]),
        Prose(["Rechnung"]),
        Stacked(
            [("Rechnungsnummer", "RE-2026-0415"), ("Rechnungsdatum", "12.02.2026"), ("Bestellnummer", "BN-88213")],
            across=True,
        ),
        Stacked([("Kundennummer", "K-40917"), ("Lieferdatum", "09.02.2026")], across=True),
        Grid(
            [
                ["Pos.", "Artikel", "Menge", "Einzelpreis", "Betrag"],
                ["1", "Zahnrad Z-40", "12", "18,50 EUR", "222,00 EUR"],
                ["2", "Kugellager KL-6205", "40", "4,20 EUR", "168,00 EUR"],
            ],
            [40, 200, 50, 80, 80],
        ),
        Beside([("Nettobetrag", "390,00 EUR"), ("USt. 19 %", "74,10 EUR"), ("Summe", "464,10 EUR")], x=320, gap=110),
        Stacked(
            [("USt-IdNr.", "DE 811 907 342"), ("IBAN", "DE89 3704 0044 0532 0130 00"), ("Telefon", "0711 987 654 0")]
        ),
        Prose(["Zahlbar innerhalb von 14 Tagen ohne Abzug."]),
    ]
]

FACTUUR_NL: list[list[Part]] = [
    [
        Columns(
            Prose(["De Vries Kantoorartikelen B.V.", "Keizersgracht 221", "1016 DV Amsterdam"]),
            Beside(
                [
                    ("Factuurnummer", "2026-1187"),
                    ("Factuurdatum", "21-01-2026"),
                    ("Bestelnummer", "B-55021"),
                    ("Klantnummer", "KL-3308"),
                ]
            ),
        ),
        Prose(["FACTUUR"]),
        Grid(
            [
                ["Aantal", "Omschrijving", "Prijs", "Totaal"],
                ["20", "Ordners A4 blauw", "2,95", "59,00"],
                ["5", "Bureaulamp LED", "34,00", "170,00"],
            ],
            [60, 200, 80, 80],
        ),
        Beside([("Subtotaal", "EUR 229,00"), ("BTW 21%", "EUR 48,09"), ("Totaal", "EUR 277,09")], x=320, gap=110),
        Beside(
            [
                ("BTW-nummer", "NL8532.74.106.B01"),
                ("KvK", "34172209"),
                ("IBAN", "NL91 ABNA 0417 1643 00"),
                ("Telefoon", "020 555 0187"),
            ]
        ),
    ]
]

FACTURE_FR: list[list[Part]] = [
    [
        Prose(["Atelier Lemoine SARL", "14 rue des Tanneurs, 69002 Lyon"]),
        Prose(["FACTURE"]),
        Stacked(
            [("N° de facture", "F-2026-0093"), ("Date de facture", "05/03/2026"), ("Numéro de commande", "CMD-4471")],
            across=True,
        ),
        Grid(
            [
                ["Désignation", "Quantité", "Prix unitaire HT", "Total HT"],
                ["Chaise en chêne", "6", "120,00 EUR", "720,00 EUR"],
                ["Table basse", "1", "340,00 EUR", "340,00 EUR"],
            ],
            [170, 70, 110, 90],
        ),
        Beside(
            [("Total HT", "1 060,00 EUR"), ("TVA 20 %", "212,00 EUR"), ("Total TTC", "1 272,00 EUR")], x=320, gap=110
        ),
        Stacked(
            [
                ("N° TVA intracommunautaire", "FR 40 303 265 045"),
                ("SIRET", "303 265 045 00017"),
                ("IBAN", "FR76 3000 6000 0112 3456 7890 189"),
                ("Téléphone", "04 72 10 55 38"),
            ]
        ),
    ]
]

FATTURA_IT: list[list[Part]] = [
    [
        Columns(
            Prose(["Rossi Forniture S.r.l.", "Via Garibaldi 45", "10122 Torino"]),
            Beside([("Fattura n.", "2026/214"), ("Data", "18/02/2026"), ("Ordine n.", "ORD-6620")]),
        ),
        Prose(["FATTURA"]),
        Grid(
            [
                ["Codice", "Descrizione", "Q.tà", "Prezzo", "Importo"],
                ["A-110", "Carta A4 80 g", "50", "4,10", "205,00"],
                ["B-220", "Toner nero", "4", "62,00", "248,00"],
            ],
            [60, 180, 50, 80, 80],
        ),
        Beside([("Imponibile", "453,00 EUR"), ("IVA 22%", "99,66 EUR"), ("Totale", "552,66 EUR")], x=320, gap=110),
        Beside(
            [
                ("Partita IVA:", "IT 07643520567"),
                ("IBAN:", "IT60 X054 2811 1010 0000 0123 456"),
                ("Telefono:", "011 563 2290"),
            ]
        ),
    ]
]

FACTURA_ES: list[list[Part]] = [
    [
        Prose(["Distribuciones Ortega S.L.", "Calle Mayor 17, 28013 Madrid"]),
        Prose(["FACTURA"]),
        Beside(
            [
                ("Número de factura:", "FA-26-0331"),
                ("Fecha de factura:", "27/01/2026"),
                ("Número de pedido:", "PED-9014"),
                ("NIF:", "B-84736251"),
            ],
            gap=140,
        ),
        Grid(
            [
                ["Referencia", "Concepto", "Unidades", "Importe"],
                ["R-01", "Aceite de oliva 5 L", "10", "285,00 EUR"],
                ["R-07", "Vinagre de Jerez", "24", "93,60 EUR"],
            ],
            [70, 180, 70, 90],
        ),
        Beside(
            [("Base imponible", "378,60 EUR"), ("IVA 21%", "79,51 EUR"), ("Total factura", "458,11 EUR")],
            x=300,
            gap=130,
        ),
        Beside([("IBAN:", "ES91 2100 0418 4502 0005 1332"), ("Teléfono:", "+34 912 345 678")], gap=140),
    ]
]

ORDER_FORM_EN: list[list[Part]] = [
    [
        Prose(["PURCHASE ORDER", "Northwind Traders Ltd, 42 Harbour Road, Dublin"]),
        Grid(
            [
                ["Field", "Value"],
                ["Purchase order number", "NW-PO-3381"],
                ["Order date", "2 April 2026"],
                ["Requested delivery date", "20 April 2026"],
                ["Buyer", "Aoife Byrne"],
                ["Buyer phone", "+353 1 555 0142"],
            ],
            [200, 200],
        ),
        Prose(["Goods are to be delivered to the warehouse entrance on the east side."]),
        Grid(
            [
                ["Part number", "Description", "Quantity", "Weight"],
                ["HX-100", "Hex bolt M8", "500", "4.2 kg"],
                ["WS-220", "Washer 8 mm", "500", "0.9 kg"],
                ["NT-080", "Nut M8", "500", "1.6 kg"],
            ],
            [100, 160, 80, 80],
        ),
    ],
    [
        Prose(["Payment and delivery terms"]),
        Prose(
            [
                "Invoices must quote the purchase order number. Payment is made 45 days after",
                "receipt of a correct invoice, by bank transfer to the supplier's account.",
            ]
        ),
        Beside(
            [
                ("Supplier:", "Harbour Tools Ltd"),
                ("Supplier VAT number:", "GB 284 5519 07"),
                ("Account IBAN:", "IE29 AIBK 9311 5212 3456 78"),
                ("Incoterms:", "DAP Dublin"),
            ],
            gap=150,
        ),
    ],
]

LIEFERSCHEIN_DE: list[list[Part]] = [
    [
        Prose(["Brenner Logistik AG", "Hafenweg 3, 28197 Bremen"]),
        Prose(["Lieferschein"]),
        Beside(
            [
                ("Lieferschein-Nr.:", "LS-70215"),
                ("Datum:", "03.03.2026"),
                ("Bestellnummer:", "4500183920"),
                ("Telefon:", "0421 339 8820"),
            ],
            gap=130,
        ),
        Grid(
            [
                ["Artikel", "Bezeichnung", "Menge", "Gewicht"],
                ["P-12", "Europalette", "8", "200 kg"],
                ["K-30", "Gitterbox", "2", "170 kg"],
            ],
            [80, 170, 70, 80],
        ),
        Prose(["Die Ware wurde vollständig und unbeschädigt übernommen."]),
    ]
]

DOCUMENTS: dict[str, list[list[Part]]] = {
    "invoice_en": INVOICE_EN,
    "rechnung_de": RECHNUNG_DE,
    "factuur_nl": FACTUUR_NL,
    "facture_fr": FACTURE_FR,
    "fattura_it": FATTURA_IT,
    "factura_es": FACTURA_ES,
    "order_form_en": ORDER_FORM_EN,
    "lieferschein_de": LIEFERSCHEIN_DE,
}
SCANNED = {"lieferschein_de", "factuur_nl"}  # drawn as pictures only: their page records come from OCR
