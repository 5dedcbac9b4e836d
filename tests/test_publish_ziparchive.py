"""The XLSX package's zip writer: zipfile's archive exactly (with zlib), any deflater's parts read back the same."""

from __future__ import annotations

import time
import zipfile
import zlib

from pipeline.publish.ziparchive import write_zip

PARTS = [("[Content_Types].xml", b"<Types/>" * 50), ("xl/worksheets/sheet1.xml", "<t>表二 数据</t>".encode() * 900),
         ("docProps/说明.xml", b""), ("xl/empty.bin", bytes(range(256)) * 4)]


def test_zlib_archive_is_zipfiles_byte_for_byte(tmp_path) -> None:
    for _ in range(5):  # the parts' date has a resolution of 2 s: retry when a write straddles a boundary
        second = int(time.time()) // 2
        with zipfile.ZipFile(tmp_path / "a.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for name, data in PARTS:
                z.writestr(name, data)
        write_zip(tmp_path / "b.zip", PARTS, 1, deflater=zlib)
        if int(time.time()) // 2 == second:
            break
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_default_deflater_reads_back(tmp_path) -> None:
    write_zip(tmp_path / "c.zip", PARTS, 1)
    with zipfile.ZipFile(tmp_path / "c.zip") as z:
        assert z.testzip() is None
        assert [(i.filename, z.read(i)) for i in z.infolist()] == PARTS
        assert all(i.compress_type == zipfile.ZIP_DEFLATED and i.external_attr == 0o600 << 16 for i in z.infolist())


def test_chunked_part_is_the_joined_part(tmp_path) -> None:
    name, data = PARTS[1]
    write_zip(tmp_path / "d.zip", [(name, (data[:7], data[7:5000], b"", data[5000:]))], 1)
    with zipfile.ZipFile(tmp_path / "d.zip") as z:
        assert z.read(name) == data and z.getinfo(name).file_size == len(data)
