"""What a file really is, checked before anything parses it.

Submissions are untrusted: a name ending .xlsx says nothing about the bytes. This module looks at the
bytes (magic numbers, the zip directory, the OLE directory) and at what the file *declares* (unpacked
sizes, compression ratios, sheet dimensions) and refuses, with a reason an officer can act on:
files that are not spreadsheets, password-protected workbooks, damaged or truncated files, and
files that would unpack to more than the configured limits (zip bombs). It never inflates more
than a few kilobytes of any part, so it answers in milliseconds whatever the file holds.
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import olefile

from .limits import MIB, Limits, mib

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
SUPPORTED_SUFFIXES = WORKBOOK_SUFFIXES | CSV_SUFFIXES
KIND_NAMES = {
    "xlsx": "Excel workbook (.xlsx)",
    "xls": "Excel 97-2003 workbook (.xls)",
    "ods": "OpenDocument spreadsheet (.ods)",
    "csv": "CSV text",
}

_SIGNATURES = [  # (magic bytes, what the file is)
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"{\\rtf", "an RTF document"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
]
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?\"")
_DATE1904 = re.compile(rb"date1904=\"(1|true)\"")


class UnreadableFile(Exception):
    """The file cannot be read as a spreadsheet; the message is the recorded reason."""


def password_protected(detail: str = "") -> UnreadableFile:
    """One reason for every kind of password protection, with the way out."""
    return UnreadableFile(
        f"the workbook is protected with a password{detail}: "
        "save it without a password (File → Info → Protect Workbook) and send it again"
    )


@dataclass
class FileFormat:
    kind: str  # xlsx | xls | ods | csv
    date1904: bool = False  # serial dates count from 1904-01-01 (old Mac Excel), not 1899-12-30
    notes: list[str] = field(default_factory=list)  # worth telling the sender, not a reason to refuse
    hidden_rows: dict[str, set[int]] = field(default_factory=dict)  # sheet name → 0-based rows hidden (xlsx)

    @property
    def name(self) -> str:
        return KIND_NAMES[self.kind]


def inspect(path: Path, limits: Limits) -> FileFormat:
    """The file's real format, or UnreadableFile with the reason it will not be read."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(f"unsupported file type '{suffix}' (expected .xlsx, .xls, .ods or .csv)")
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile("the file is empty (0 bytes)")
    if size > limits.max_file_bytes:
        raise UnreadableFile(
            f"the file is {mib(size)}, over the limit of {mib(limits.max_file_bytes)} for one submission"
        )
    with path.open("rb") as f:
        head = f.read(8192)
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            raise UnreadableFile(f"not a spreadsheet: the file is {what} named '{path.name}'")
    if head.startswith(_ZIP_MAGIC):
        fmt = _inspect_zip(path, limits)
    elif head.startswith(_OLE_MAGIC):
        fmt = _inspect_ole(path)
    elif suffix in CSV_SUFFIXES:
        if b"\x00" in head:
            raise UnreadableFile("not a CSV text file: it holds binary data")
        return FileFormat("csv")
    else:
        lowered = head[:512].lstrip().lower()
        if lowered.startswith((b"<!doctype html", b"<html")):
            raise UnreadableFile(
                "not a spreadsheet: the file is a web page (HTML) named "
                f"'{path.name}'; open it in Excel and save it as .xlsx"
            )
        raise UnreadableFile(
            f"not a spreadsheet: '{path.name}' is neither a workbook nor text "
            "(unknown content; damaged, or another kind of file renamed)"
        )
    expected = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}.get(suffix)
    if expected and fmt.kind != expected:
        fmt.notes.append(f"named {suffix} but saved as {fmt.name}: read as what it is")
    return fmt


def _damaged(what: str) -> UnreadableFile:
    return UnreadableFile(
        f"the file is damaged or incomplete ({what}): it was probably cut off while being "
        "saved or sent; save it again and resend it"
    )


def _inspect_zip(path: Path, limits: Limits) -> FileFormat:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise _damaged(f"its zip directory cannot be read: {exc}") from exc
    with archive:
        infos = archive.infolist()
        names = {i.filename for i in infos}
        if len(infos) > limits.max_zip_entries:
            raise UnreadableFile(f"the archive has {len(infos)} parts, over the limit of {limits.max_zip_entries}")
        if any(i.flag_bits & 0x1 for i in infos):
            raise password_protected(" (encrypted zip)")
        kind = _zip_kind(archive, names, path)
        total = sum(i.file_size for i in infos)
        biggest = max(infos, key=lambda i: i.file_size)
        if total > limits.max_unpacked_bytes:
            raise UnreadableFile(
                f"refused as a possible zip bomb: the workbook would unpack to {mib(total)} ('{biggest.filename}' "
                f"alone {mib(biggest.file_size)}), over the limit of {mib(limits.max_unpacked_bytes)}"
            )
        for info in infos:
            if info.file_size > MIB and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1):
                ratio = info.file_size / max(info.compress_size, 1)
                raise UnreadableFile(
                    f"refused as a possible zip bomb: '{info.filename}' unpacks {ratio:.0f} times larger than it is "
                    f"packed ({mib(info.compress_size)} → {mib(info.file_size)}), over the limit of "
                    f"{limits.max_compression_ratio:.0f}"
                )
        fmt = FileFormat(kind)
        if kind == "xlsx":
            fmt.date1904 = bool(_DATE1904.search(_read_part(archive, "xl/workbook.xml")))
            _check_dimensions(archive, names, limits)
            fmt.hidden_rows = _hidden_rows(archive, names)
        return fmt


def _read_part(archive: zipfile.ZipFile, name: str, limit: int = 4 * MIB) -> bytes:
    try:
        with archive.open(name) as part:
            return part.read(limit)
    except KeyError:
        return b""
    except Exception as exc:  # BadZipFile, zlib.error, EOFError, NotImplementedError (exotic compression)
        raise _damaged(f"part '{name}' cannot be unpacked: {exc}") from exc


def _zip_kind(archive: zipfile.ZipFile, names: set[str], path: Path) -> str:
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        raise UnreadableFile("an Excel binary workbook (.xlsb) is not accepted: save it as .xlsx and send it again")
    mimetype = _read_part(archive, "mimetype", 200).decode("ascii", "replace").strip()
    if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
        if b"encryption-data" in _read_part(archive, "META-INF/manifest.xml"):
            raise password_protected()
        return "ods"
    if "word/document.xml" in names or mimetype == "application/vnd.oasis.opendocument.text":
        raise UnreadableFile(f"not a spreadsheet: the file is a text document (Word/Writer) named '{path.name}'")
    if any(n.startswith("ppt/") for n in names):
        raise UnreadableFile(f"not a spreadsheet: the file is a presentation named '{path.name}'")
    raise UnreadableFile(
        f"not a spreadsheet: '{path.name}' is a zip archive without a workbook inside; unpack it and send the workbooks"
    )


def _check_dimensions(archive: zipfile.ZipFile, names: set[str], limits: Limits) -> None:
    """Refuse a sheet that declares more cells than the limit, before any reader allocates them."""
    sheet_names = _sheet_names(archive)
    for name in sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")):
        head = _read_part(archive, name, 64 * 1024)
        match = _DIMENSION.search(head)
        if not match or not match.group(3):
            continue
        rows = int(match.group(4)) - int(match.group(2)) + 1
        cols = _column_number(match.group(3).decode()) - _column_number(match.group(1).decode()) + 1
        if rows * cols > limits.max_sheet_cells:
            label = sheet_names.get(name, name)
            raise UnreadableFile(
                f"sheet '{label}' declares {rows:,} rows × {cols:,} columns = {rows * cols:,} cells, over the limit of "
                f"{limits.max_sheet_cells:,}; delete the empty rows and columns below and right of the table"
            )


# a row tag marked hidden, found by the regex engine in one pass (a loop over every row tag in Python
# cost about 30 ms a census sheet); a block without "hidden=" at all is not searched
_HIDDEN_ROW_TAG = re.compile(rb'<(?:\w+:)?row\b[^>]*?\bhidden="(?:1|true)"[^>]*>')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')


def _hidden_rows(archive: zipfile.ZipFile, names: set[str]) -> dict[str, set[int]]:
    """Rows marked hidden in each worksheet (calamine does not say), streamed a megabyte at a time."""
    sheet_names = _sheet_names(archive)
    out: dict[str, set[int]] = {}
    for name in sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")):
        hidden: set[int] = set()
        try:
            with archive.open(name) as part:
                tail = b""
                while chunk := part.read(MIB):
                    block = tail + chunk
                    cut = block.rfind(b"<")
                    whole = block[:cut]
                    if b"hidden=" in whole:
                        for tag in _HIDDEN_ROW_TAG.findall(whole):
                            number = _ROW_NUMBER.search(tag)
                            if number:
                                hidden.add(int(number.group(1)) - 1)
                    tail = block[cut:]
        except Exception as exc:  # zlib.error, BadZipFile: the part is damaged
            raise _damaged(f"part '{name}' cannot be unpacked: {exc}") from exc
        if hidden:
            out[sheet_names.get(name, name)] = hidden
    return out


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """worksheet part → sheet name as the workbook shows it (for reasons people can act on)."""
    workbook = _read_part(archive, "xl/workbook.xml").decode("utf-8", "replace")
    rels = _read_part(archive, "xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = {}
    for rel in re.findall(r"<Relationship\b[^>]*>", rels):
        rid, target = re.search(r'Id="([^"]+)"', rel), re.search(r'Target="([^"]+)"', rel)
        if rid and target:
            t = target.group(1).lstrip("/")
            targets[rid.group(1)] = t if t.startswith("xl/") else "xl/" + t
    out = {}
    for sheet in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name, rid = re.search(r'name="([^"]+)"', sheet), re.search(r'r:id="([^"]+)"', sheet)
        if name and rid and rid.group(1) in targets:
            out[targets[rid.group(1)]] = name.group(1)
    return out


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _inspect_ole(path: Path) -> FileFormat:
    try:
        ole = olefile.OleFileIO(str(path))
    except Exception as exc:  # olefile raises OSError and its own errors for a broken directory
        raise _damaged(f"its Office directory cannot be read: {exc}") from exc
    with ole:
        if ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo"):
            raise password_protected()
        stream = "Workbook" if ole.exists("Workbook") else "Book" if ole.exists("Book") else None
        if stream is None:
            what = "a Word document" if ole.exists("WordDocument") else "an Office file that is not a workbook"
            raise UnreadableFile(f"not a spreadsheet: the file is {what} named '{path.name}'")
        try:
            data = ole.openstream(stream).read(1 << 20)
        except Exception as exc:
            raise _damaged(f"its workbook stream cannot be read: {exc}") from exc
    fmt = FileFormat("xls")
    for record, body in _biff_globals(data):
        if record == 0x002F:  # FILEPASS: the workbook is encrypted
            raise password_protected()
        if record == 0x0022 and len(body) >= 2:  # DATEMODE
            fmt.date1904 = struct.unpack("<H", body[:2])[0] == 1
    return fmt


def _biff_globals(data: bytes):
    """(record type, body) of the workbook globals of a BIFF stream, up to its EOF record."""
    pos = 0
    while pos + 4 <= len(data):
        record, length = struct.unpack("<HH", data[pos : pos + 4])
        yield record, data[pos + 4 : pos + 4 + length]
        if record == 0x000A:  # EOF of the globals substream
            return
        pos += 4 + length
