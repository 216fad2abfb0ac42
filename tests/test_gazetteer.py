"""The gazetteer: its data, canonical names, mentions in running text, and the council a document is about."""

from __future__ import annotations

import tomllib

import pytest

from domain.gazetteer import DATA_FILE, KINDS, REGIONS, Gazetteer, load


@pytest.fixture(scope="module")
def g() -> Gazetteer:
    return load()


def names(g: Gazetteer, text: str, **kw) -> list[str]:
    return [m.council.name for m in g.find(text, **kw)]


# -- data ----------------------------------------------------------------------------------------------------
def test_counts_and_fields(g: Gazetteer) -> None:
    current = g.councils(active_only=True)
    assert len(current) == 153  # 21 counties, 36 metropolitan, 32 London boroughs + City, 63 unitaries
    kinds = {k: sum(c.kind == k for c in current) for k in KINDS}
    assert kinds == {"county": 21, "metropolitan": 36, "london": 33, "unitary": 63}
    assert all(c.region in REGIONS for c in g.councils())
    assert sum(len(v) for v in g.by_region().values()) == 153
    assert len(g.by_region()["London"]) == 33


def test_names_unique_and_codes_unique(g: Gazetteer) -> None:
    all_ = g.councils()
    assert len({c.name for c in all_}) == len(all_)
    codes = [c.ons_code for c in all_ if c.ons_code]
    assert len(set(codes)) == len(codes)
    assert all(len(code) == 9 and code[:3] in {"E06", "E08", "E09", "E10"} for code in codes)


def test_successors_exist_and_link_both_ways(g: Gazetteer) -> None:
    for c in g.councils():
        for s in c.successors:
            successor = g.get(s)
            assert successor is not None and successor.active_from == c.active_to
            assert c in g.predecessors(successor)
    northants = g.get("Northamptonshire")
    assert northants and not northants.active and set(northants.successors) == {
        "North Northamptonshire", "West Northamptonshire"}
    assert set(g.get("Cumbria").successors) == {"Cumberland", "Westmorland and Furness"}
    assert {p.name for p in g.predecessors(g.get("Bournemouth, Christchurch and Poole"))} == {"Bournemouth", "Poole"}
    assert g.get("North Yorkshire").active and g.get("North Yorkshire").unitary_from == 2023
    assert g.get("Cumbria").active_in(2022) and not g.get("Cumbria").active_in(2024)


def test_no_form_shared_by_two_councils() -> None:
    data = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    data["council"][1] = {**data["council"][1], "aliases": [data["council"][0]["name"]]}
    with pytest.raises(ValueError, match="name of both"):
        Gazetteer(data)


def test_a_missing_successor_is_refused() -> None:
    data = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    data["council"].append({"name": "Nowhere", "kind": "county", "region": "London", "active_to": 2020,
                            "successors": ["Elsewhere"]})
    with pytest.raises(ValueError, match="successors"):
        Gazetteer(data)


def test_duplicate_names_are_refused() -> None:
    data = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    data["council"].append(dict(data["council"][0], aliases=[], short_forms=[]))
    with pytest.raises(ValueError):
        Gazetteer(data)


# -- canonical ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("spelling", "name"), [
    ("Southend", "Southend-on-Sea"),
    ("Southend on Sea", "Southend-on-Sea"),
    ("SOUTHEND-ON-SEA BOROUGH COUNCIL", "Southend-on-Sea"),
    ("Southend-on-Sea City Council", "Southend-on-Sea"),
    ("Kingston Upon Hull City Council", "Kingston upon Hull"),
    ("Kingston-upon-Hull", "Kingston upon Hull"),
    ("Hull", "Kingston upon Hull"),
    ("Kingston upon Thames", "Kingston upon Thames"),
    ("Royal Borough of Kingston upon Thames", "Kingston upon Thames"),
    ("Telford & Wrekin", "Telford and Wrekin"),
    ("telford and wrekin council", "Telford and Wrekin"),
    ("St. Helens", "St Helens"),
    ("Saint Helens Metropolitan Borough Council", "St Helens"),
    ("Bristol City Council", "Bristol"),
    ("City of Bristol", "Bristol"),
    ("Bristol, City of", "Bristol"),
    ("Medway Council", "Medway"),
    ("Herefordshire Council", "Herefordshire"),
    ("County of Herefordshire", "Herefordshire"),
    ("Darlington Borough Council", "Darlington"),
    ("London Borough of Barnet", "Barnet"),
    ("the London Borough of Barnet’s", "Barnet"),
    ("Royal Borough of Kensington and Chelsea", "Kensington and Chelsea"),
    ("Kensington & Chelsea", "Kensington and Chelsea"),
    ("Metropolitan Borough of Rotherham", "Rotherham"),
    ("Rotherham Metropolitan Borough Council", "Rotherham"),
    ("Wakefield District Metropolitan Council", "Wakefield"),
    ("Leeds City", "Leeds"),
    ("Newcastle", "Newcastle upon Tyne"),
    ("Newcastle City Council", "Newcastle upon Tyne"),
    ("BCP", "Bournemouth, Christchurch and Poole"),
    ("Bournemouth Christchurch and Poole Council", "Bournemouth, Christchurch and Poole"),
    ("B&NES", "Bath and North East Somerset"),
    ("Bath", "Bath and North East Somerset"),
    ("Durham", "Durham"),
    ("County Durham", "Durham"),
    ("Durham County Council", "Durham"),
    ("Dorset’s", "Dorset"),
    ("Dorset County Council", "Dorset"),
    ("Buckinghamshire County Council", "Buckinghamshire"),
    ("Cheshire West", "Cheshire West and Chester"),
    ("East Riding", "East Riding of Yorkshire"),
    ("City of London Corporation", "City of London"),
    ("london corporation", "City of London"),
    ("windsor & maidenhead", "Windsor and Maidenhead"),
    ("The Royal Borough of Windsor and Maidenhead", "Windsor and Maidenhead"),
    ("Windsor", "Windsor and Maidenhead"),
    ("Brighton & Hove City Council", "Brighton and Hove"),
    ("Richmond upon Thames", "Richmond upon Thames"),
    ("City of York Council", "York"),
    ("Bedford Borough Council", "Bedford"),
    ("Cheshire", "Cheshire"),  # the county abolished in 2009, never Cheshire East or Cheshire West and Chester
    ("Northamptonshire", "Northamptonshire"),  # only the former county
    ("Bedfordshire", "Bedfordshire"),  # the former county, not Central Bedfordshire
    ("E06000033", "Southend-on-Sea"),
])
def test_canonical(g: Gazetteer, spelling: str, name: str) -> None:
    council = g.canonical(spelling)
    assert council is not None and council.name == name


@pytest.mark.parametrize("spelling", [
    "Newcastle-under-Lyme", "Sutton Coldfield", "Northampton", "London", "Yorkshire", "City", "Council", "",
    "Bury St Edmunds", "Hereford and Worcester Fire",
])
def test_canonical_refuses_what_is_no_council(g: Gazetteer, spelling: str) -> None:
    assert g.canonical(spelling) is None


def test_former_and_successor_names_do_not_blur(g: Gazetteer) -> None:
    assert g.canonical("Central Bedfordshire").name == "Central Bedfordshire"
    assert g.canonical("Bedford").name == "Bedford"
    assert g.canonical("North Northamptonshire").name == "North Northamptonshire"
    assert g.canonical("York").name == "York"
    assert g.canonical("North Yorkshire").name == "North Yorkshire"
    assert g.canonical("Southampton").name == "Southampton"


# -- find ----------------------------------------------------------------------------------------------------
def test_longest_match_wins(g: Gazetteer) -> None:
    text = "Cheshire West and Chester, Cheshire East Council and the rest of Cheshire."
    found = g.find(text)
    assert [m.council.name for m in found] == ["Cheshire West and Chester", "Cheshire East", "Cheshire"]
    assert found[0].text == "Cheshire West and Chester"
    assert found[1].text == "Cheshire East Council" and found[1].formal


def test_council_wording_is_one_mention(g: Gazetteer) -> None:
    found = g.find("It wrote to Kingston upon Hull City Council and to the London Borough of Sutton.")
    assert [(m.council.name, m.text) for m in found] == [
        ("Kingston upon Hull", "Kingston upon Hull City Council"), ("Sutton", "London Borough of Sutton")]
    assert all(m.formal for m in found)


def test_offsets_point_at_the_mention(g: Gazetteer) -> None:
    text = "Practice in Bath and North East Somerset is good."
    (m,) = g.find(text)
    assert text[m.start:m.end] == m.text == "Bath and North East Somerset"


def test_thames_is_not_hull(g: Gazetteer) -> None:
    assert names(g, "Kingston upon Thames and Kingston upon Hull") == ["Kingston upon Thames", "Kingston upon Hull"]


def test_places_that_are_not_councils(g: Gazetteer) -> None:
    assert names(g, "Newcastle-under-Lyme is in Staffordshire.") == ["Staffordshire"]
    assert names(g, "Newcastle-under-Lyme and Newcastle", informal=True) == ["Newcastle upon Tyne"]
    assert names(g, "Children from Sutton Coldfield attend.") == []
    assert names(g, "Sutton Coldfield, unlike Sutton, is in Birmingham.") == ["Sutton", "Birmingham"]
    assert names(g, "a placement in Northampton") == []
    assert names(g, "Southampton and Northamptonshire") == ["Southampton", "Northamptonshire"]
    assert names(g, "Bury St Edmunds is in Suffolk; Bury is not.") == ["Suffolk", "Bury"]


def test_word_boundaries(g: Gazetteer) -> None:
    assert names(g, "Brentwood, Solihull and Northamptonshire") == ["Solihull", "Northamptonshire"]
    assert names(g, "Yorkshire and Leicestershire") == ["Leicestershire"]
    assert names(g, "York, North Yorkshire and the East Riding of Yorkshire") == [
        "York", "North Yorkshire", "East Riding of Yorkshire"]


def test_possessives(g: Gazetteer) -> None:
    assert names(g, "Dorset’s leaders and Manchester's partners; St Helens’ staff") == [
        "Dorset", "Manchester", "St Helens"]
    (m,) = g.find("Dorset’s leaders")
    assert m.text == "Dorset"


def test_names_across_line_breaks_and_variants(g: Gazetteer) -> None:
    assert names(g, "Inspection of Westmorland and\nFurness local authority") == ["Westmorland and Furness"]
    assert names(g, "Royal Borough of Kensington and \nChelsea") == ["Kensington and Chelsea"]
    assert names(g, "Southend-on-\nSea, Stoke on Trent, Telford & Wrekin, St. Helens") == [
        "Southend-on-Sea", "Stoke-on-Trent", "Telford and Wrekin", "St Helens"]
    assert names(g, "Bournemouth, Christchurch and Poole") == ["Bournemouth, Christchurch and Poole"]
    assert names(g, "Bournemouth and Poole") == ["Bournemouth", "Poole"]


def test_documents_need_capitals_questions_do_not(g: Gazetteer) -> None:
    assert names(g, "a reading age; they bury the lede") == []
    assert names(g, "Reading Borough Council and Bury") == ["Reading", "Bury"]
    assert names(g, "what did ofsted say about southend and cheshire east?", informal=True) == [
        "Southend-on-Sea", "Cheshire East"]
    # an ordinary word needs its capital even in a question
    assert names(g, "the reading age of children in secure beds", informal=True) == []
    assert names(g, "care leavers in Reading", informal=True) == ["Reading"]


def test_a_question_opening_with_a_name_that_is_a_word_names_the_council_unless_it_reads_as_the_word() -> None:
    from assistant.plan import council_mentions

    def named(q: str) -> list[str]:
        return [m.council.name for m in council_mentions(q)]

    assert named("Reading adoption grade 2016") == ["Reading"]
    assert named("Slough care leavers 2023") == ["Slough"]
    assert named("Reading's care leavers") == ["Reading"]
    assert named("Reading the report, what did Bury do?") == ["Bury"]
    assert named("Barking at the moon") == []


def test_short_forms_only_when_informal(g: Gazetteer) -> None:
    text = "NHS Southend CCG, Hull and BCP"
    assert names(g, text) == []
    found = g.find(text, informal=True)
    assert [m.council.name for m in found] == ["Southend-on-Sea", "Kingston upon Hull",
                                               "Bournemouth, Christchurch and Poole"]
    assert all(m.short for m in found)


# -- document_council --------------------------------------------------------------------------------------
def test_report_title_beats_passing_mentions(g: Gazetteer) -> None:
    title = "Inspection of Trafford local authority\nchildren’s services"
    opening = (title + "\nInspection dates: 1 to 12 March 2027\nLead inspector: A Person\n"
               "Since the last inspection in 2022, leaders have worked with Stockport, Tameside and Manchester "
               "through the regional adoption agency shared with Stockport. Greater Manchester Police and "
               "Manchester partners attend. Stockport’s and Tameside’s leaders visit often.")
    assert g.document_council(title, opening).name == "Trafford"
    assert g.document_council("", opening).name == "Trafford"


def test_older_layout_with_council_on_its_own_line(g: Gazetteer) -> None:
    opening = ("1\n\nCheshire West and Chester Council\nInspection of services for children in need of help and\n"
               "protection, children looked after and care leavers\nInspection date: 3 March 2015\n"
               "The Cheshire Constabulary and the Cheshire and Merseyside partners, with Cheshire East, ...")
    assert g.document_council("Inspection of services for children in need of help and protection",
                              opening).name == "Cheshire West and Chester"


def test_joint_inspection_letter(g: Gazetteer) -> None:
    opening = ("12 June 2027\n\nJo Bloggs, Director of Children’s Services, Wiltshire Council\n"
               "A Person, Chief Constable, Wiltshire Police\nB Person, Chair, Wiltshire Parent Carer Council\n"
               "C Person, Dorset and Wiltshire Fire and Rescue Service\n\nDear local partnership,\n\n"
               "Joint targeted area inspection of the multi-agency response to children in Wiltshire\n\n"
               "Between 1 and 5 May 2027, Ofsted ... undertook a joint inspection in Wiltshire.")
    assert g.document_council("", opening).name == "Wiltshire"


def test_committee_report_names_its_council_first(g: Gazetteer) -> None:
    opening = ("Cheshire East Council\n\nChildren and Families Committee\n\nUpdate on the inspection action "
               "plan\n\nThe inspection of services in Cheshire East found that Cheshire partners, including "
               "Cheshire Police and the Cheshire and Merseyside ICB, must improve.")
    assert g.document_council("Update on the inspection action plan", opening).name == "Cheshire East"


def test_short_form_counts_as_the_subject_of_a_title(g: Gazetteer) -> None:
    assert g.document_council("Inspection of Hull local authority children’s services", "").name == \
        "Kingston upon Hull"
    # but a short form in passing is no evidence
    assert g.document_council("", "Families moved from Hull and from Southend last year.") is None


def test_unsure_gives_none(g: Gazetteer) -> None:
    assert g.document_council("", "") is None
    assert g.document_council("Annual report", "Work with Essex Police and Kent Police continued.") is None
    # two councils named alike: no clear lead
    opening = "A joint report by Torbay Council and Plymouth City Council on shared services."
    assert g.document_council("Joint report", opening) is None
    # one passing mention in running prose is not enough
    assert g.document_council("", "Leaders learned from practice in Leeds, as other councils have.") is None


def test_the_real_sample_documents() -> None:
    from eval.gazetteer_check import ROOT, check_samples

    samples = ROOT / "data" / "sample"
    if not samples.is_dir():
        pytest.skip("no sample documents")
    right, total, misses = check_samples(load(), samples)
    assert total >= 5 and right == total, misses


def test_find_is_fast_enough_for_every_opening_and_question(g: Gazetteer) -> None:
    import time

    text = ("Practice in Cheshire East and Westmorland and\nFurness is compared with London Borough of Sutton, "
            "Kingston upon Hull City Council and the wider region; leaders meet monthly. ") * 300  # ~50k chars
    t0 = time.perf_counter()
    found = g.find(text)
    elapsed = time.perf_counter() - t0
    assert len(found) == 4 * 300
    assert elapsed < 1.0  # ~50 ms on the shared 2-core machine; a regex per council would be far slower
