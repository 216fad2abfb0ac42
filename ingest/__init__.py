"""Files and text: loading, clean-up, structure, metadata, chunking and incremental ingestion."""

from ingest.loaders import SUPPORTED_SUFFIXES, IngestError, one_line
from ingest.pipeline import FileOutcome, IngestBusy, IngestOptions, IngestReport, ingest

__all__ = ["SUPPORTED_SUFFIXES", "FileOutcome", "IngestBusy", "IngestError", "IngestOptions", "IngestReport", "ingest", "one_line"]
