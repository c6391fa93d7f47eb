"""Korean-aware search: analysis (index and query), the term dictionary, ranking, related questions.

Index time (ingest workers, `kb search reindex`) runs the Kiwi morphological analyser; the web
process never loads it (≈300 MB). Queries are analysed by a light, vocabulary-guided analyser
(app.search.query) that strips particles and endings and keeps only stems the index knows.
"""
