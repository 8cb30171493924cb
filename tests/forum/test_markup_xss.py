"""What a user types can never become script: core.markup against classic XSS payloads.

Every payload goes through both entry points: render_markdown (what answers and questions
use) and sanitize_html (what imports use on foreign HTML).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from core.markup import excerpt, html_to_text, render_markdown, sanitize_html

PAYLOADS = [
    # script tags, plain and obfuscated
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/xss.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    '<script\x20type="text/javascript">javascript:alert(1);</script>',
    "<script/src=data:,alert(1)>",
    # event handler attributes
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<IMG SRC=# onmouseover=\"alert('xss')\">",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    '<div onclick="alert(1)">click</div>',
    '<a href="https://example.com" onclick="alert(1)">x</a>',
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    # dangerous URL schemes in HTML
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="javascript:alert(1)">',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    # dangerous URL schemes in Markdown
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    '![img](x" onerror="alert(1))',
    "[ref][1]\n\n[1]: javascript:alert(1)",
    '[ref][x]\n\n[x]: data:text/html,<script>alert(1)</script> "title"',
    "<javascript:alert(1)>",
    "[a](<javascript:alert(1)>)",
    # frames, objects, styles, forms, meta
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="evil.swf"></object>',
    '<embed src="evil.swf">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="width: expression(alert(1))">x</div>',
    '<p style="background-image:url(javascript:alert(1))">x</p>',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<base href="javascript:alert(1)//">',
    # broken and nested markup, comments, entities
    '<img """><script>alert(1)</script>">',
    "<a href='x'<script>alert(1)</script>>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    # code spans and blocks must stay text
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```",
]

FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "style", "svg", "math", "link", "meta", "form",
    "base", "input", "body", "frame", "frameset", "applet",
}  # fmt: skip
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


class _Tags(HTMLParser):
    """The tags and attributes a browser would build from the output."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _assert_safe(output: str) -> None:
    assert "<script" not in output.lower(), output
    parser = _Tags()
    parser.feed(output)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag not in FORBIDDEN_TAGS, output
        for name, value in attrs:
            assert not name.startswith("on"), output
            assert name != "style", output
            if name in ("href", "src"):
                # Attribute values arrive entity-decoded; browsers also ignore control
                # characters and spaces inside a scheme.
                plain = re.sub(r"[\x00-\x20]", "", value or "").lower()
                assert not plain.startswith(BAD_SCHEMES), output


def test_the_corpus_is_big_enough():
    assert len(PAYLOADS) >= 30


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_rendering_neutralises(payload):
    _assert_safe(render_markdown(payload))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_html_sanitizing_neutralises(payload):
    _assert_safe(sanitize_html(payload))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitizing_twice_is_still_safe_and_stable(payload):
    once = sanitize_html(payload)
    twice = sanitize_html(once)
    _assert_safe(twice)
    assert sanitize_html(twice) == twice


def test_a_markdown_link_gets_nofollow_ugc_noopener():
    output = render_markdown("See [the manual](https://example.com/manual).")
    assert 'href="https://example.com/manual"' in output
    assert 'rel="nofollow ugc noopener"' in output


def test_a_bare_url_is_linked_with_the_same_rel():
    output = render_markdown("See https://example.com/manual for details.")
    assert 'href="https://example.com/manual"' in output
    assert 'rel="nofollow ugc noopener"' in output


def test_a_link_in_foreign_html_cannot_keep_its_own_rel_or_target():
    output = sanitize_html('<a href="https://example.com" rel="opener" target="_blank">x</a>')
    assert 'rel="nofollow ugc noopener"' in output
    assert "target" not in output
    assert "opener" not in output.replace("noopener", "")


def test_mailto_links_are_allowed():
    assert 'href="mailto:help@example.com"' in render_markdown("[mail](mailto:help@example.com)")


def test_fenced_code_renders_as_pre_code_with_its_language():
    output = render_markdown("```python\nprint('<b>hi</b>')\n```")
    assert output.startswith('<pre><code class="language-python">')
    assert "&lt;b&gt;hi&lt;/b&gt;" in output


def test_a_made_up_code_class_is_dropped():
    output = sanitize_html('<pre><code class="x onload=alert(1)">a</code></pre>')
    assert "class" not in output


def test_urls_inside_code_are_not_linked():
    output = render_markdown("```\ncurl https://example.com/api\n```")
    assert "<a " not in output


def test_ordinary_formatting_survives():
    output = render_markdown("**bold** _em_ ~~gone~~\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    for tag in ("<strong>", "<em>", "<s>", "<table>", "<td>"):
        assert tag in output or tag.replace("<s>", "<del>") in output


def test_plain_text_of_rendered_html_unescapes_and_drops_tags():
    rendered = render_markdown("Use **A & B** then `<x>`")
    assert html_to_text(rendered) == "Use A & B then <x>"
    assert excerpt(render_markdown("word " * 100), 30).endswith("…")


@pytest.mark.parametrize(
    "unsafe",
    [
        "<script>x</script>",
        '<img src=x onerror="a()">',
        '<a href="jav&#x09;ascript:a()">x</a>',
        '<a href=" DATA:text/html,x">x</a>',
        '<p style="x">y</p>',
        "<iframe></iframe>",
    ],
)
def test_the_safety_check_itself_catches_unsafe_html(unsafe):
    with pytest.raises(AssertionError):
        _assert_safe(unsafe)
