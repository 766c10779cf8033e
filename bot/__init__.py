"""Answer questions from the index: retrieve passages, compose a cited, extractive answer.

It imports the index and embedding code from `ingest`, never the readers or splitters.
"""
