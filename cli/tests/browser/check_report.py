#!/usr/bin/env python3
"""Renders a meshsim report.html in headless Chromium and checks the picture.

    python3 cli/tests/browser/check_report.py REPORT.html SHOT.png [WIDTH HEIGHT]

Chromium (Debian's `chromium`) screenshots the page offline — it has nothing to fetch — at
WIDTH × HEIGHT (default 1200 × 3000). The PNG is decoded here (standard library only: zlib and the
five PNG row filters) and must have exactly that size, not be blank (at least 3 % of its pixels
differ from the page's white, and at least 50 colours: text, tables and charts drew), and show
the charts' colours (the palette's blue, 0072b2, or the plotters default blue, 1f77b4). The page
is also printed to PDF (SHOT with .pdf) and every printed page must be A4. Exit 0 when every
check holds, 1 otherwise, with what failed.
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib


def decode_png(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), f"unexpected PNG format depth {depth} colour {colour}"
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    report, shot = sys.argv[1], sys.argv[2]
    width = int(sys.argv[3]) if len(sys.argv) > 3 else 1200
    height = int(sys.argv[4]) if len(sys.argv) > 4 else 3000
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("check_report: chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--window-size={width},{height}", f"--screenshot={shot}", f"file://{os.path.abspath(report)}"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    w, h, bpp, rows = decode_png(open(shot, "rb").read())
    failed = []
    # Printed: every page A4 (595 × 842 pt), as the page's @page rule asks.
    pdf = os.path.splitext(shot)[0] + ".pdf"
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", f"file://{os.path.abspath(report)}"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    doc = open(pdf, "rb").read()
    boxes = re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", doc)
    pages = len(re.findall(rb"/Type /Page\b", doc))
    if not boxes or pages == 0:
        failed.append("printing gave no page")
    for bw, bh in set(boxes):
        if abs(float(bw) - 595.28) > 1 or abs(float(bh) - 841.89) > 1:
            failed.append(f"printed page {float(bw):.0f} × {float(bh):.0f} pt, not A4")
    if (w, h) != (width, height):
        failed.append(f"size {w}×{h}, expected {width}×{height}")
    colours, inked, total = set(), 0, 0
    chart_blue = False
    for r in rows[::4]:
        for x in range(0, w * bpp, bpp * 4):
            px = r[x:x + 3]
            total += 1
            colours.add(px)
            if px != b"\xff\xff\xff":
                inked += 1
            if px in (b"\x00\x72\xb2", b"\x1f\x77\xb4"):
                chart_blue = True
    share = inked / max(total, 1)
    if share < 0.03:
        failed.append(f"only {100 * share:.1f} % of the pixels are not white: the page looks blank")
    if len(colours) < 50:
        failed.append(f"only {len(colours)} colours: text, tables and charts did not draw")
    if not chart_blue:
        failed.append("no chart colour (blue 0072b2 or 1f77b4) in the picture: the inline SVG charts did not draw")
    if failed:
        for f in failed:
            print(f"check_report: {report}: {f}", file=sys.stderr)
        return 1
    print(f"check_report: {report}: {w}×{h}, {100 * share:.0f} % inked, {len(colours)} colours, charts drawn; printed on {pages} A4 page(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
