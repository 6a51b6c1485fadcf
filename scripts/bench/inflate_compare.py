#!/usr/bin/env python3
"""Lists every deflate entry of the given ZIP archives for inflate_compare.c
(path, data offset, compressed and uncompressed size, CRC-32), builds the C
program if needed, and runs it:

    scripts/bench/inflate_compare.py ARCHIVE_OR_FOLDER...
"""
import os
import struct
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(os.path.dirname(os.path.dirname(HERE)), ".build-bench")


def entries(path):
    with zipfile.ZipFile(path) as archive, open(path, "rb") as raw:
        for info in archive.infolist():
            if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 1:
                continue
            raw.seek(info.header_offset)
            header = raw.read(30)
            if header[:4] != b"PK\x03\x04":
                continue
            name_length, extra_length = struct.unpack("<HH", header[26:30])
            yield path, info.header_offset + 30 + name_length + extra_length, info.compress_size, info.file_size, info.CRC


def main():
    paths = []
    for arg in sys.argv[1:]:
        if os.path.isdir(arg):
            paths += sorted(os.path.join(arg, name) for name in os.listdir(arg) if name.endswith(".zip"))
        else:
            paths.append(arg)
    lines = []
    for path in paths:
        try:
            lines += [" ".join(map(str, entry)) for entry in entries(path)]
        except (zipfile.BadZipFile, OSError, NotImplementedError):
            continue
    binary = os.path.join(BUILD, "inflate_compare")
    source = os.path.join(HERE, "inflate_compare.c")
    if not os.path.exists(binary) or os.path.getmtime(binary) < os.path.getmtime(source):
        os.makedirs(BUILD, exist_ok=True)
        subprocess.run(["cc", "-O2", "-o", binary, source, "-lz", "-lisal"], check=True)
    sys.exit(subprocess.run([binary], input="\n".join(lines) + "\n", text=True).returncode)


if __name__ == "__main__":
    main()
