"""The package checks of an uploaded workbook (导入文件): before the spreadsheet engine sees it,
the zip is checked piece by piece with bounded memory. It must hold an Office Open XML workbook,
its central directory must not promise a decompression bomb, and every member must inflate to
exactly its declared size and checksum."""

from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib
from collections.abc import Iterator
from io import BytesIO
from xml.etree import ElementTree

from resolvers.core.errors import DomainError, ErrorCode

MAX_UNCOMPRESSED_SIZE = 256 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # for members above RATIO_CHECKED_SIZE
RATIO_CHECKED_SIZE = 1024 * 1024
MAX_MEMBERS = 1000
_MAX_PART_SIZE = 4 * 1024 * 1024  # relationships, workbook.xml
_CHUNK = 1024 * 1024
FIELD = "file"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_LOCAL_HEADER_SIGNATURE = 0x04034B50

NOT_XLSX = "文件不是有效的 Excel 工作簿（.xlsx），请上传用导入模板填写的 .xlsx 文件"
CORRUPT = "文件已损坏或不完整，无法作为 Excel 工作簿（.xlsx）打开，请在 Excel 中重新保存后上传"
ENCRYPTED = "工作簿设置了密码保护，请在 Excel 中取消密码后另存为 .xlsx 再上传"


def refused(message: str) -> DomainError:
    return DomainError.of(ErrorCode.INVALID, message, FIELD)


class Package:
    """An uploaded zip, refused unless it looks like an honest .xlsx package."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        _sniff(data)
        if _declared_members(data) > MAX_MEMBERS:
            raise refused(NOT_XLSX)
        try:
            archive = zipfile.ZipFile(BytesIO(data))
            members = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
            raise refused(CORRUPT) from error
        if len(members) > MAX_MEMBERS:
            raise refused(NOT_XLSX)
        total = 0
        for member in members:
            if member.flag_bits & 0x1:
                raise refused(ENCRYPTED)
            if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise refused(CORRUPT)
            total += member.file_size
            if (
                member.file_size > RATIO_CHECKED_SIZE
                and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
            ):
                ratio = member.file_size // max(member.compress_size, 1)
                raise refused(
                    f"文件中有内容解压后是压缩前的 {ratio} 倍，疑似压缩炸弹，已拒绝处理；"
                    "请使用导入模板重新填写后上传"
                )
        if total > MAX_UNCOMPRESSED_SIZE:
            raise refused(
                f"文件解压后共 {total // (1024 * 1024)} MB，超过上限 "
                f"{MAX_UNCOMPRESSED_SIZE // (1024 * 1024)} MB，已拒绝处理"
            )
        self.members = {member.filename: member for member in members}

    def inflate(self, name: str) -> Iterator[bytes]:
        """The member's bytes in chunks of at most 1 MB, checked against its declared size and
        CRC while inflating; a member that inflates beyond its declared size is refused."""
        member = self.members[name]
        start = self._data_start(member)
        end = start + member.compress_size
        if end > len(self.data):
            raise refused(CORRUPT)
        view = memoryview(self.data)[start:end]
        produced = 0
        crc = 0
        if member.compress_type == zipfile.ZIP_STORED:
            chunks: Iterator[bytes] = (
                bytes(view[i : i + _CHUNK]) for i in range(0, len(view), _CHUNK)
            )
        else:
            chunks = _inflated(view, member.file_size)
        for chunk in chunks:
            produced += len(chunk)
            if produced > member.file_size:
                raise refused(CORRUPT)
            crc = zlib.crc32(chunk, crc)
            yield chunk
        if produced != member.file_size or crc != member.CRC:
            raise refused(CORRUPT)

    def read(self, name: str) -> bytes:
        if self.members[name].file_size > _MAX_PART_SIZE:
            raise refused(NOT_XLSX)
        return b"".join(self.inflate(name))

    def verify_except(self, done: str) -> None:
        for name in self.members:
            if name != done:
                for _chunk in self.inflate(name):
                    pass

    def first_worksheet(self) -> tuple[str, str, str | None]:
        """The name and part of the first worksheet, and the shared strings part if any."""
        workbook = self._office_document()
        if workbook is None:
            raise refused(_not_xlsx_message(self.members))
        relationships = self._relationships(workbook)
        root = self._xml(workbook)
        shared_strings = next(
            (target for kind, target in relationships.values() if kind == "sharedStrings"), None
        )
        for element in root.iter():
            if local_name(element.tag) != "sheet":
                continue
            relationship_id = next(
                (value for key, value in element.attrib.items() if key.endswith("}id")), None
            )
            kind, target = relationships.get(relationship_id or "", ("", ""))
            if kind == "worksheet":
                if target not in self.members:
                    raise refused(CORRUPT)
                return element.get("name", ""), target, shared_strings
        raise refused("工作簿中没有工作表")

    def _data_start(self, member: zipfile.ZipInfo) -> int:
        offset = member.header_offset
        header = self.data[offset : offset + _LOCAL_HEADER.size]
        if len(header) < _LOCAL_HEADER.size:
            raise refused(CORRUPT)
        fields = _LOCAL_HEADER.unpack(header)
        if fields[0] != _LOCAL_HEADER_SIGNATURE:
            raise refused(CORRUPT)
        return offset + _LOCAL_HEADER.size + fields[9] + fields[10]

    def _office_document(self) -> str | None:
        if "_rels/.rels" in self.members:
            for kind, target in self._relationships("").values():
                if kind == "officeDocument":
                    return target if target in self.members else None
        return "xl/workbook.xml" if "xl/workbook.xml" in self.members else None

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """id -> (type's last segment, target part) of a part's relationships."""
        folder, base = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", f"{base}.rels")
        if rels not in self.members:
            return {}
        found = {}
        for element in self._xml(rels).iter():
            target = element.get("Target")
            if local_name(element.tag) != "Relationship" or not target:
                continue
            if element.get("TargetMode") == "External":
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            kind = element.get("Type", "").rsplit("/", 1)[-1]
            found[element.get("Id", "")] = (kind, posixpath.normpath(path))
        return found

    def _xml(self, name: str) -> ElementTree.Element:
        try:
            return ElementTree.fromstring(self.read(name))
        except ElementTree.ParseError as error:
            raise refused(CORRUPT) from error


def _inflated(compressed: memoryview, size: int) -> Iterator[bytes]:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for i in range(0, len(compressed), 64 * 1024):
            pending = bytes(compressed[i : i + 64 * 1024])
            while pending:
                chunk = inflater.decompress(pending, _CHUNK)
                pending = inflater.unconsumed_tail
                if chunk:
                    yield chunk
                if inflater.eof:
                    return
        tail = inflater.flush()
    except zlib.error as error:
        raise refused(CORRUPT) from error
    if tail:
        yield tail
    if not inflater.eof and size:
        raise refused(CORRUPT)


def _declared_members(data: bytes) -> int:
    """The entry count of the end of central directory record, read before zipfile builds one
    object per entry (0 when there is no such record; zipfile then refuses the file)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return 0
    return int.from_bytes(data[end + 10 : end + 12], "little")


def _sniff(data: bytes) -> None:
    if not data:
        raise refused("文件是空的，请选择填写好的 .xlsx 工作簿")
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_PACKAGE in data:
            raise refused(ENCRYPTED)
        raise refused("这是旧版 Excel 文件（.xls），请在 Excel 中另存为 .xlsx 格式后再上传")
    if data.startswith(b"%PDF"):
        raise refused("文件是 PDF，不是 Excel 工作簿（.xlsx），请上传用导入模板填写的 .xlsx 文件")
    if not data.startswith(b"PK"):
        raise refused(f"{NOT_XLSX}（CSV 等其他格式请先在 Excel 中另存为 .xlsx）")


def _not_xlsx_message(members: dict[str, zipfile.ZipInfo]) -> str:
    if "xl/workbook.bin" in members:
        return "不支持 Excel 二进制工作簿（.xlsb），请在 Excel 中另存为 .xlsx 后再上传"
    if "content.xml" in members and "mimetype" in members:
        return "这是 OpenDocument 表格（.ods），请另存为 Excel 工作簿（.xlsx）后再上传"
    return NOT_XLSX


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]
