"""Turn programme documents into a searchable index on disk.

read (HTML, Markdown, text, PDF, DOCX) -> clean -> chunk -> embed -> write.
The bot imports the index and embedding code from here; never the readers or splitters.
"""
