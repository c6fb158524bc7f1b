"""Hostile files for the upload tests (XLSX bombs, pixel bombs, broken images), built small and fast.

The bombs are written through zipfile in chunks so that building one never holds its content in memory.
"""

import contextlib
import functools
import io
import re
import resource
import struct
import time
import tracemalloc
import zipfile
import zlib
from dataclasses import dataclass

from PIL import Image

MB = 1024 * 1024


SHEET_ROW = b'<row><c t="inlineStr"><is><t>bom</t></is></c></row>'
SHARED_STRING = b"<si><t>bom</t></si>"


def xlsx_bomb(base: bytes, part: str, megabytes: int = 110, unit: bytes = SHEET_ROW, before: bytes = b"</sheetData>"):
    """`base` (an XLSX file) with `megabytes` of `unit` repeated in `part`, just before `before`.

    The size declared in the zip is honest. Rows and cells carry no "r" attribute, so every added row is
    identical and deflate packs a megabyte of them into a few kilobytes; nothing is held in memory.
    The sheet's <dimension> is dropped (it is optional), so that openpyxl reads to the end.
    """
    block = unit * (MB // len(unit))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            content = source.read(info)
            if info.filename != part:
                bomb.writestr(info.filename, content)
                continue
            head, tail = re.sub(rb"<dimension [^>]*/>", b"", content).split(before)
            with bomb.open(part, "w", force_zip64=True) as stream:
                stream.write(head)
                for _ in range(megabytes):
                    stream.write(block)
                stream.write(before + tail)
    assert part in source.namelist(), part
    return out.getvalue()


def with_shared_strings(base: bytes) -> bytes:
    """`base` (as openpyxl writes it, with inline strings) with a shared strings part, wired in."""
    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    kind = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    relation = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    data = xlsx_edit(
        base,
        "[Content_Types].xml",
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + kind + b'"/></Types>',
    )
    data = xlsx_edit(
        data,
        "xl/_rels/workbook.xml.rels",
        b"</Relationships>",
        b'<Relationship Id="rIdS" Type="' + relation + b'" Target="sharedStrings.xml"/></Relationships>',
    )
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<sst " + main + b"><si><t>a</t></si></sst>")
    return out.getvalue()


def xlsx_edit(base: bytes, part: str, old: bytes, new: bytes) -> bytes:
    """`base` with `old` replaced by `new` in its `part`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as edited:
        for info in source.infolist():
            content = source.read(info)
            edited.writestr(info.filename, content.replace(old, new) if info.filename == part else content)
    return out.getvalue()


def zip_bytes(parts: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def with_declared_size(data: bytes, part: str, declared: int) -> bytes:
    """The zip with `part`'s uncompressed size rewritten to `declared` (a lie), in both of its headers."""
    data = bytearray(data)
    local = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(part).header_offset
    central = data.rindex(part.encode()) - 46  # the central directory comes last; the name follows 46 bytes
    assert data[local : local + 4] == b"PK\x03\x04" and data[central : central + 4] == b"PK\x01\x02"
    data[local + 22 : local + 26] = declared.to_bytes(4, "little")
    data[central + 24 : central + 28] = declared.to_bytes(4, "little")
    return bytes(data)


def png(size, color="green", mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, "PNG")
    return buffer.getvalue()


@functools.cache
def png_bomb(width=12000, height=12000, rgb=(46, 125, 50)) -> bytes:
    """A PNG of one colour written row by row, never held decoded: 12000×12000 is 1.9 MB on disk, 432 MB decoded."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer = zlib.compressobj(1)
    same_as_above = b"\x02" + bytes(3 * width)  # PNG filter "Up" with no difference
    idat = [packer.compress(b"\x00" + bytes(rgb) * width)]
    idat += [packer.compress(same_as_above) for _ in range(height - 1)]
    idat.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(idat)) + chunk(b"IEND", b"")


def jpeg(size=(640, 480), color="green") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def jpeg_claiming(size, real=(64, 48)) -> bytes:
    """A small JPEG whose header (SOF0) claims `size`: the data is far too short for it."""
    data = bytearray(jpeg(real))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = size[1].to_bytes(2, "big") + size[0].to_bytes(2, "big")
    return bytes(data)


@functools.cache
def hostile_photos() -> dict[str, bytes]:
    """Files a photo upload must refuse, by name."""
    good_png, good_jpeg = png((400, 300)), jpeg((400, 300))
    bad_crc = bytearray(good_png)
    bad_crc[bad_crc.index(b"IDAT") + 10] ^= 0xFF
    return {
        "van-ban.jpg": b"day khong phai la anh, chi la van ban",
        "rong.jpg": b"",
        "tai-lieu.jpg": b"%PDF-1.4\n%%EOF\n",
        "anh.gif": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        "cat-doi.jpg": good_jpeg[: len(good_jpeg) // 2],
        "cat-doi.png": good_png[: len(good_png) // 2],
        "hong-crc.png": bytes(bad_crc),
        "dau-jpeg.jpg": b"\xff\xd8\xff" + b"\x00" * 2000,
        "bom-diem-anh.png": png_bomb(),
        "bom-tieu-de.jpg": jpeg_claiming((60000, 60000)),
        "qua-lon.jpg": b"\xff\xd8\xff" + b"0" * (15 * MB + 10),
    }


@dataclass
class Cost:
    seconds: float = 0.0
    python_peak_mb: float = 0.0  # allocations by Python objects (tracemalloc)
    rss_growth_mb: float = 0.0  # growth of the process's peak resident size (catches C allocations, e.g. Pillow)

    def __str__(self):
        return f"{self.seconds:.2f} s, Python peak {self.python_peak_mb:.1f} MB, RSS peak +{self.rss_growth_mb:.1f} MB"


@contextlib.contextmanager
def measured():
    """Time and memory of the block. The RSS growth can hide under an earlier, higher peak of the process,
    which is why the Python peak is measured as well."""
    cost = Cost()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield cost
    finally:
        cost.seconds = time.perf_counter() - start
        cost.python_peak_mb = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
        cost.rss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
