"""The vocabulary of inspection documents and the knowledge about them, as data plus small functions.

Every layer may import this package (it imports none of the others): the kinds (document kinds, inspection
frameworks, section kinds, judgement areas and grades), the gazetteer of English local authorities, the layout
profiles of each kind of document, the facet schema and filter compiler, and the text utilities every layer
shares. Adding a kind of document or a wording means editing one place here (mostly a data file in ``data/``).
"""
