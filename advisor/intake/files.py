"""Raw bytes and text: the file read (gunzipped if need be), other formats refused, decoded."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
import zipfile
import zlib
from pathlib import Path

from advisor.core.errors import AdvisorInputError
from advisor.core.suggest import did_you_mean
from advisor.intake.messages import show, show_names

BINARY_PROBE = 8192  # NUL bytes in the first 8 KB mean binary, not text
MAX_TEXT_BYTES = 1 << 30  # refuse to inflate a gzip file beyond 1 GiB

EXCEL_FIX = "open it in Excel and use File > Save As > CSV (Comma delimited), then pass that file"
CSV_FIX = "export the data as a CSV text file and pass that file"

# Magic numbers of formats people send instead of a CSV file.
MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Excel .xls workbook (or other Office document)",
        EXCEL_FIX,
    ),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", CSV_FIX),
    (b"\xff\xd8\xff", "a JPEG image", CSV_FIX),
    (b"GIF87a", "a GIF image", CSV_FIX),
    (b"GIF89a", "a GIF image", CSV_FIX),
    (b"%PDF-", "a PDF document", CSV_FIX),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file", CSV_FIX),
    (b"SQLite format 3\x00", "an SQLite database", CSV_FIX),
    (b"\xfd7zXZ\x00", "an xz-compressed file", "decompress it and pass the CSV file inside"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it and pass the CSV file inside"),
    (b"Rar!\x1a\x07", "a RAR archive", "extract it and pass the CSV file inside"),
)
# Short printable magic numbers a CSV header could begin with by chance ("PAR1_count"):
# they count only when the start of the file is not text.
LOOSE_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"PAR1", "a Parquet file", "convert it with pandas: pd.read_parquet(path).to_csv('data.csv')"),
    (
        b"ARROW1",
        "an Arrow/Feather file",
        "convert it with pandas: pd.read_feather(path).to_csv('data.csv')",
    ),
    (b"BZh", "a bzip2-compressed file", "decompress it and pass the CSV file inside"),
)
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
# Markup at the very start of the text: a saved web page rather than the data. A
# ``<script>`` header cell is deliberately not in the list: it is a (strange) CSV.
MARKUP = re.compile(r"^\s*<(!doctype\s+html|html|head|body|table|\?xml|svg)\b", re.IGNORECASE)


def read_bytes(file: Path, source: str) -> bytes:
    if not file.exists():
        raise AdvisorInputError(source, "file not found", fix=_missing_file_fix(file))
    if file.is_dir():
        inside = sorted(p.name for p in file.glob("*.csv"))[:3]
        fix = "pass the CSV file itself" + (f", e.g. {show_names(inside)}" if inside else "")
        raise AdvisorInputError(source, "is a directory, not a CSV file", fix=fix)
    try:
        raw = file.read_bytes()
    except OSError as err:
        raise AdvisorInputError(
            source,
            f"cannot be read ({err.strerror or type(err).__name__})",
            fix="check the file's permissions, or copy it somewhere readable",
        ) from None
    if not raw:
        raise AdvisorInputError(
            source, "the file is empty (0 bytes)", fix="export the data again; nothing was saved"
        )
    return raw


def _missing_file_fix(file: Path) -> str:
    # A near miss in the same folder is the usual cause (data.csv vs Data.csv, .txt).
    try:
        siblings = [p.name for p in file.parent.iterdir()] if file.parent.is_dir() else []
    except OSError:
        siblings = []
    hint = did_you_mean(file.name, siblings, quote=show)
    if hint:
        return f"{hint} check the name and the folder"
    return "check the file name and the folder (the path is relative to where you run the command)"


def gunzip(raw: bytes, source: str) -> bytes:
    # Decided by the magic bytes, not the name: "data.csv" is sometimes gzip, ".gz" not.
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            data = stream.read(MAX_TEXT_BYTES + 1)
    except (OSError, EOFError, zlib.error) as err:
        raise AdvisorInputError(
            source,
            f"looks gzip-compressed but cannot be decompressed ({err})",
            fix="compress it again, or pass the uncompressed CSV file",
        ) from None
    if len(data) > MAX_TEXT_BYTES:
        raise AdvisorInputError(
            source,
            f"decompresses to more than {MAX_TEXT_BYTES >> 20} MB",
            fix="pass a smaller extract of the series",
        )
    if not data:
        raise AdvisorInputError(
            source,
            "the file is empty (a gzip file with nothing inside)",
            fix="export the data again; nothing was saved",
        )
    return data


def refuse_non_text(data: bytes, source: str) -> None:
    if data.startswith(ZIP_MAGICS):
        _refuse_zip(data, source)
    probe = data[:BINARY_PROBE]
    loose = LOOSE_MAGIC if _looks_binary(probe) else ()
    for magic, what, fix in (*MAGIC, *loose):
        if data.startswith(magic):
            raise AdvisorInputError(source, f"is {what}, not a CSV text file", fix=fix)
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and b"\x00" in data[:BINARY_PROBE]:
        offset = data.index(b"\x00")
        raise AdvisorInputError(
            source,
            "is a binary file, not a CSV text file",
            where=f"NUL byte at offset {offset}",
            fix=CSV_FIX,
        )


def _looks_binary(probe: bytes) -> bool:
    if b"\x00" in probe:
        return True
    try:
        probe.decode("utf-8")
    except UnicodeDecodeError as err:
        return err.start < len(probe) - 3  # a character cut at the probe's end is still text
    return False


def _refuse_zip(data: bytes, source: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError, EOFError, zlib.error):
        raise AdvisorInputError(
            source, "is a damaged zip archive, not a CSV text file", fix=CSV_FIX
        ) from None
    if any(n.startswith("xl/") for n in names):
        raise AdvisorInputError(
            source, "is an Excel .xlsx workbook, not a CSV text file", fix=EXCEL_FIX
        )
    if b"spreadsheet" in mimetype:
        raise AdvisorInputError(
            source,
            "is an OpenDocument spreadsheet (.ods), not a CSV text file",
            fix="in LibreOffice use File > Save As > Text CSV, then pass that file",
        )
    if any(n.startswith("word/") for n in names) or b"text" in mimetype:
        raise AdvisorInputError(
            source, "is a word-processor document, not a CSV text file", fix=CSV_FIX
        )
    inside = [n for n in names if n.lower().endswith((".csv", ".txt", ".tsv"))][:3]
    fix = "extract it and pass the CSV file inside" + (f" ({show_names(inside)})" if inside else "")
    raise AdvisorInputError(source, "is a zip archive, not a CSV text file", fix=fix)


# --- text -----------------------------------------------------------------------------


def decode(data: bytes, source: str, notices: list[str]) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with a byte-order mark, usually tab-separated.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise AdvisorInputError(
                source,
                "starts like UTF-16 text but is not valid UTF-16",
                where=f"byte offset {err.start}",
                fix="save it again as CSV UTF-8",
            ) from None
        notices.append("read as UTF-16 (it starts with a UTF-16 byte-order mark)")
        return text
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]  # Excel's "CSV UTF-8" writes one; it is not data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        bad, offset = data[err.start], err.start
    # Not UTF-8: almost always an older Windows export. cp1252 is latin-1 plus a few
    # printable characters (the euro sign, curly quotes); five bytes it leaves undefined.
    try:
        text, name = data.decode("cp1252"), "latin-1 (Windows-1252)"
    except UnicodeDecodeError:
        text, name = data.decode("latin-1"), "latin-1 (ISO-8859-1)"
    notices.append(
        f"read as {name} because the file is not valid UTF-8 (byte 0x{bad:02x} at offset "
        f"{offset}); if accented letters look wrong, save the file as CSV UTF-8"
    )
    return text


def refuse_markup(text: str, source: str) -> None:
    if MARKUP.match(text):
        kind = "an XML document" if text.lstrip()[:5].lower() == "<?xml" else "an HTML page"
        raise AdvisorInputError(
            source,
            f"is {kind}, not a CSV file (perhaps a web page saved instead of the data)",
            fix="download the raw CSV file (on GitHub use the Raw button) and pass that",
        )
    head = text.lstrip()[:1]
    if head in ("{", "[") and len(text) < 50_000_000:
        try:
            json.loads(text)
        except ValueError:
            return  # not JSON after all: a header like "[kg]" is a (strange) CSV
        raise AdvisorInputError(
            source,
            "is a JSON document, not a CSV file",
            fix="convert it, e.g. pd.read_json(path).to_csv('data.csv')",
        )
    if not text.strip():
        raise AdvisorInputError(
            source, "contains only blank lines", fix="export the data again; nothing was saved"
        )
