"""Checks of a report page shared by the report tests: self-contained, rendered text, PNG size."""

from __future__ import annotations

import re
import struct
from html.parser import HTMLParser

import pytest

from resolver.report.browser import find_chromium

needs_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="Chromium is not installed and could not be (make browser installs the Debian "
    "package chromium with apt-get; it needs root or sudo)",
)


class _Markup(HTMLParser):
    """The tags and attributes of a page, and its style sheets (not its text)."""

    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.styles, self._in_style = set(), [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += attrs
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def assert_self_contained(html: str) -> None:
    """Nothing a browser would fetch: no script, stylesheet link, image, frame or object, no
    attribute pointing anywhere (the SVG namespace name is never fetched), no CSS url()."""
    markup = _Markup()
    markup.feed(html)
    assert not markup.tags & {"script", "link", "img", "iframe", "object", "embed", "base"}
    for name, value in markup.attrs:
        assert name not in ("src", "href", "srcset", "action", "data"), (name, value)
        if name != "xmlns":
            assert not re.search(r"(https?:|//)", value or ""), (name, value)
    style = " ".join(markup.styles)
    assert "url(" not in style and "@import" not in style


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def text_of(dom: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", dom).split())
