"""Page furniture (ingest/furniture.py): running headers and footers, page numbers, contents pages, footnotes.

Every document here is built in the test: pages of body text with the furniture a real report's text layer
carries, so each rule is pinned on its own.
"""

from __future__ import annotations

from ingest.furniture import CleanPages, Footnote, clean_pages, is_contents_page, running_lines
from ingest.structure import parse_blocks

HEADER = "Inspection of Exampleshire local authority children’s services"
SENTENCES = [
    "visit children regularly and know them well. They use a range of",
    "direct work to understand children's wishes and feelings, and plans reflect what",
    "children say. Managers oversee the work and give clear direction to practitioners.",
    "Partners share information promptly, so that risks to children are understood.",
    "Most assessments are thorough and consider the history of the family, although",
    "a small number do not explore the impact of domestic abuse on the children.",
    "Children who go missing are offered return home interviews by a dedicated team.",
    "Leaders have invested in the workforce, and caseloads are now manageable for",
    "most practitioners, who say that they feel well supported by their managers.",
]
# Who each page is about: real pages share no body lines, so neither may these (digits are no difference).
WHO = ["Leaders", "Managers", "Social workers", "Personal advisers", "Partners", "Foster carers", "Reviewing officers"]


def body(page: int) -> list[str]:
    return [f"{WHO[(page - 1) % len(WHO)]} told inspectors that they {s}" for s in SENTENCES]


def footer(page: int) -> str:
    # the page number changes from page to page: the footer recurs only with its digits aside
    return f"Inspection of Exampleshire: 11 to 15 September 2023  {page}"


def report(n: int, extra: dict[int, list[str]] | None = None) -> list[str]:
    """n pages, each a running header, nine lines of its own body (and any ``extra``), a footer."""
    extra = extra or {}
    pages = []
    for page in range(1, n + 1):
        pages.append("\n".join([HEADER, "", *body(page), *extra.get(page, []), "", footer(page)]))
    return pages


def lines_of(cleaned: CleanPages, page: int) -> list[str]:
    return [line.strip() for line in cleaned.pages[page - 1].split("\n") if line.strip()]


# -- running headers and footers ------------------------------------------------------------------------------
def test_running_header_and_footer_are_found_digits_aside() -> None:
    running = running_lines(report(5))
    assert HEADER.lower() in running
    assert "inspection of exampleshire: # to # september # #" in running  # year and page number alike
    assert not any(line in running for page in range(1, 6) for line in map(str.lower, body(page)))


def test_running_header_and_footer_are_removed_from_every_page() -> None:
    cleaned = clean_pages(report(5))
    assert len(cleaned.pages) == 5
    for page in range(1, 6):
        lines = lines_of(cleaned, page)
        assert not any(line.startswith("Inspection of Exampleshire:") for line in lines), page
        assert lines[-1] == body(page)[-1]  # nothing of the body went with the footer
        if page > 1:
            assert HEADER not in lines and lines[0] == body(page)[0], page
    # page 1's top is the document's title, not a running header
    assert lines_of(cleaned, 1)[0] == HEADER
    assert cleaned.removed == 5 + 4  # five footers, four headers
    assert cleaned.footnotes == []


def test_a_line_repeating_on_a_minority_of_pages_stays() -> None:
    aside = "Children in care are visited by their social workers"
    cleaned = clean_pages(report(6, extra={2: [aside], 5: [aside]}))  # at the foot of 2 of 6 pages: < 40%
    assert aside.lower() not in running_lines(report(6, extra={2: [aside], 5: [aside]}))
    assert aside in lines_of(cleaned, 2) and aside in lines_of(cleaned, 5)
    # on 3 of 6 pages (50%) it is furniture
    cleaned = clean_pages(report(6, extra={2: [aside], 4: [aside], 5: [aside]}))
    assert all(aside not in lines_of(cleaned, page) for page in (2, 4, 5))


def test_bare_page_number_lines_go() -> None:
    numbers = ("3", "Page 4 of 9", "- 5 -", "6")
    pages = ["\n".join([*body(page), number]) for page, number in enumerate(numbers, start=1)]
    cleaned = clean_pages(pages)
    for page in range(1, 5):
        assert lines_of(cleaned, page) == body(page), page


def test_a_number_inside_the_body_is_not_a_page_number() -> None:
    pages = ["\n".join([*body(page)[:5], "12", *body(page)[5:]]) for page in range(1, 4)]  # mid-page, not at an edge
    cleaned = clean_pages(pages)
    assert all("\n12\n" in page for page in cleaned.pages)


def test_short_documents_are_left_alone() -> None:
    pages = report(2)
    assert running_lines(pages) == set()
    cleaned = clean_pages(pages)
    assert HEADER in lines_of(cleaned, 2)
    assert footer(2) in lines_of(cleaned, 2)  # a footer on both of two pages is not told from a closing line
    contents = "Contents\nSummary 2\nWhat needs to improve 3\nThe impact of leaders 4"
    assert clean_pages([contents, "\n".join(body(1))]).pages[0] == contents


# -- contents pages -------------------------------------------------------------------------------------------
CONTENTS_DOTTED = """Contents
Summary .................................................. 2
What needs to improve .................................... 3
The experiences and progress of children who need help
and protection ........................................... 4
The experiences and progress of children in care ......... 7
Information about this inspection ....................... 12"""

CONTENTS_PLAIN = """Table of contents
Executive summary 2
Recommendations 9
The experiences and progress of children who need help and protection 12
Leadership, management and governance 29"""


def test_a_contents_page_is_detected() -> None:
    assert is_contents_page(CONTENTS_DOTTED)
    assert is_contents_page(CONTENTS_PLAIN)


def test_a_normal_page_is_not_a_contents_page() -> None:
    assert not is_contents_page("\n".join(body(1)))
    # a page that names its contents in prose, its lines not ending in page numbers
    prose = "Contents\n" + "\n".join(body(1))
    assert not is_contents_page(prose)
    # page numbers without the heading: a table of figures, not a contents page
    assert not is_contents_page(CONTENTS_PLAIN.split("\n", 1)[1])


def test_a_contents_page_is_dropped_and_the_others_kept() -> None:
    pages = report(4)
    pages[1] = CONTENTS_DOTTED
    cleaned = clean_pages(pages)
    assert cleaned.pages[1] == ""
    assert len(cleaned.pages) == 4  # page numbers still line up with the file's
    assert all(lines_of(cleaned, page)[-1] == body(page)[-1] for page in (1, 3, 4))


# -- footnotes ------------------------------------------------------------------------------------------------
def footnoted(n: int = 4) -> list[str]:
    pages = report(n)
    pages[2] = "\n".join([
        HEADER, "",
        "Leaders have strengthened the multi-agency arrangements that protect",
        "children.12 Strategy meetings are now held promptly for every child.",
        "",
        "12 Working together to safeguard children, HM Government, 2018.",
        "", footer(3)])
    return pages


def test_a_footnote_is_split_out_of_its_page() -> None:
    cleaned = clean_pages(footnoted())
    assert cleaned.footnotes == [Footnote(3, "12", "Working together to safeguard children, HM Government, 2018.")]
    body = lines_of(cleaned, 3)
    assert body[-1] == "children.12 Strategy meetings are now held promptly for every child."
    assert not any(line.startswith("12 Working together") for line in body)


def test_a_numbered_line_without_a_marker_is_not_a_footnote() -> None:
    pages = footnoted()
    pages[2] = pages[2].replace("children.12 Strategy", "children. Strategy")  # no word carries 12
    cleaned = clean_pages(pages)
    assert cleaned.footnotes == []
    assert "12 Working together to safeguard children, HM Government, 2018." in lines_of(cleaned, 3)


def test_the_parsed_body_loses_the_marker_and_keeps_the_footnote_apart() -> None:
    blocks = parse_blocks(footnoted(), paged=True)
    body = next(b for b in blocks if "multi-agency arrangements" in b.text)
    assert "children. Strategy meetings" in body.text and "12" not in body.text
    notes = [b for b in blocks if b.kind == "footnote"]
    assert [(b.label, b.page, b.text) for b in notes] == [
        ("12", 3, "Working together to safeguard children, HM Government, 2018.")]
    assert blocks[-1] is notes[0]  # footnotes come after the body
    assert not any("Working together" in b.text for b in blocks if b.kind != "footnote")
