"""The kinds: each defined once, used everywhere (ingest writes them, retrieval filters on them, the UI labels them).

Values are the strings stored in the index; labels are what a reader sees.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    value: str  # stored in the index and in filters
    label: str  # shown to people


# -- kinds of document -----------------------------------------------------------------------------------
INSPECTION_LETTER = Kind("inspection letter", "Inspection letter")
INSPECTION_REPORT = Kind("inspection report", "Inspection report")
COMMITTEE_REPORT = Kind("committee report", "Committee report")
PRESS_RELEASE = Kind("press release", "Press release")
OTHER_DOCUMENT = Kind("other", "Other")
DOC_KINDS = (INSPECTION_LETTER, INSPECTION_REPORT, COMMITTEE_REPORT, PRESS_RELEASE, OTHER_DOCUMENT)

# -- inspection frameworks (the precise one) and their families (the ``inspection_type`` facet) ------------
ILACS, SIF, JTAI, PRE_SIF = "ILACS", "SIF", "JTAI", "pre-SIF"
INSPECTION_TYPES = (ILACS, SIF, JTAI, PRE_SIF)


@dataclass(frozen=True)
class Framework:
    value: str
    label: str
    family: str  # the inspection type it belongs to
    publishes: str  # the kind of document Ofsted publishes for it


FRAMEWORKS = (
    Framework("ILACS standard", "ILACS standard inspection", ILACS, INSPECTION_REPORT.value),
    Framework("ILACS short", "ILACS short inspection", ILACS, INSPECTION_REPORT.value),
    Framework("focused visit", "ILACS focused visit", ILACS, INSPECTION_LETTER.value),
    Framework("monitoring visit", "ILACS monitoring visit", ILACS, INSPECTION_LETTER.value),
    Framework("JTAI", "Joint targeted area inspection", JTAI, INSPECTION_LETTER.value),
    Framework("SIF", "Single inspection framework", SIF, INSPECTION_REPORT.value),
    Framework("pre-SIF", "Inspection of safeguarding / looked after children services (2009-2013)", PRE_SIF,
              INSPECTION_REPORT.value),
)
FRAMEWORK_BY_VALUE = {f.value: f for f in FRAMEWORKS}


def family_of(framework: str) -> str:
    """The inspection type (ILACS, SIF, JTAI, pre-SIF) of a framework value, or "" if unknown."""
    f = FRAMEWORK_BY_VALUE.get(framework)
    return f.family if f else ""


# -- judgement areas and grades ----------------------------------------------------------------------------
@dataclass(frozen=True)
class JudgementArea:
    key: str
    label: str


#: The ILACS areas (the judgements table's columns). Older frameworks' judgements are mapped onto these only
#: where the judgement is the same one; the rest keep keys of their own (below).
ILACS_AREAS = (
    JudgementArea("overall_effectiveness", "Overall effectiveness"),
    JudgementArea("impact_of_leaders", "The impact of leaders on social work practice with children and families"),
    JudgementArea("help_and_protection", "The experiences and progress of children who need help and protection"),
    JudgementArea("in_care", "The experiences and progress of children in care"),
    JudgementArea("care_leavers", "The experiences and progress of care leavers"),
)
OTHER_AREAS = (
    JudgementArea("looked_after_permanence", "Children looked after and achieving permanence (SIF)"),
    JudgementArea("adoption", "Adoption performance (SIF)"),
    JudgementArea("leadership_management_governance", "Leadership, management and governance (SIF)"),
    JudgementArea("lscb", "Effectiveness of the Local Safeguarding Children Board (SIF)"),
)
JUDGEMENT_AREAS = ILACS_AREAS + OTHER_AREAS
AREA_BY_KEY = {a.key: a for a in JUDGEMENT_AREAS}

OUTSTANDING, GOOD, REQUIRES_IMPROVEMENT, INADEQUATE, ADEQUATE = (
    "outstanding", "good", "requires improvement", "inadequate", "adequate")
#: Best first. "requires improvement to be good" is stored as "requires improvement"; "adequate" is the
#: pre-2013 frameworks' grade, kept as itself (it is not the same judgement as "requires improvement").
GRADES = (OUTSTANDING, GOOD, REQUIRES_IMPROVEMENT, ADEQUATE, INADEQUATE)
