"""Problems of bulk imports."""

from services.common.errors import DomainError, NotFound, Unprocessable


class ImportNotFound(NotFound):
    """No import with this id that the caller may see."""

    code = "import_not_found"


class EmptyImport(Unprocessable):
    """The uploaded file has no rows."""

    code = "empty_import"


class InvalidEncoding(Unprocessable):
    """The uploaded file is not UTF-8 text."""

    code = "invalid_encoding"


class InvalidHeader(Unprocessable):
    """The CSV header does not name the import's columns."""

    code = "invalid_header"


class MalformedCsv(Unprocessable):
    """The CSV file cannot be parsed."""

    code = "malformed_csv"


class TooManyRows(Unprocessable):
    """The file has more rows than one import takes."""

    code = "too_many_rows"


class UnsupportedMediaType(DomainError):
    """The upload is neither CSV nor JSON Lines."""

    status, code = 415, "unsupported_media_type"


class MissingFile(Unprocessable):
    """A form upload without its `file` field."""

    code = "missing"
