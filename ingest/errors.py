"""Errors raised while reading documents and building or loading the index.

Messages are written for the person running ingest or starting the bot: they say what is
wrong and what to do. The CLI prints them as one line; the app turns them into Norwegian
chat messages.
"""


class IngestError(Exception):
    """Base class for everything ingest raises on purpose."""


class UnreadableDocument(IngestError):
    """A source file cannot be used (broken, empty, binary, unsupported).

    Seen by the person running ingest, as one line naming the file and the reason;
    the file is skipped and the rest is ingested.
    """

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class NothingIndexed(IngestError):
    """No source produced a single document: there is nothing to build an index from."""


class IndexStoreError(IngestError):
    """Base for problems with the index folder."""


class IndexMissing(IndexStoreError):
    """The index folder has no index. Seen when starting the bot before ingest has run."""


class IndexFormatError(IndexStoreError):
    """The index on disk does not match this program (format, dimension or model).

    The message always ends by saying how to rebuild it.
    """


class IndexWriteError(IndexStoreError):
    """The new generation could not be written (disk full, read-only folder, no permission);
    the previous one is untouched and still current."""


class IndexBusy(IndexStoreError):
    """Another ingest is writing to the same index folder right now."""


class ModelError(IngestError):
    """The embedding model cannot be built or loaded (e.g. a hub name with no network)."""


class SourcesConfigError(IngestError):
    """sources.toml cannot be used (not TOML, an unknown setting, a value of the wrong kind),
    or the sources asked for do not add up (e.g. --forget of a source that is not there).

    Seen by the person running ingest or starting the app, as one line naming the file,
    the setting and what to write instead; nothing is read or written.
    """


class TooManyRemovals(IngestError):
    """An ingest would remove more of the index's documents at once than the removal guard
    allows (MAX_REMOVED_SHARE, like rsync's --max-delete).

    Seen by the person running ingest: the message lists what would go and says how to
    allow it (--allow-removals) or where to look (a source folder that was moved, a site
    that is down); the previous generation stays current.
    """
