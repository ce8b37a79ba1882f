"""What a page may show of a submission's HTML: one allow-list, applied by a maintained sanitiser.

Student markdown, raw cells and HTML outputs reach formgrader (rendered on the Jupyter
server's own origin, where a script could drive the whole server) and feedback pages.
Instead of recognising bad input, everything goes through nh3 (Ammonia, which parses
HTML with html5ever, as a browser does) with an allow-list: the tags of text, lists,
tables, code and images; a few harmless attributes; links to http, https and mailto
URLs or relative ones (judged as the browser will read them, after nbconvert's templates
strip a ``files/`` prefix); images embedded as PNG, JPEG or GIF data only. No script, style,
forms, frames, SVG, ids (they could clobber formgrader's own page objects), event
handlers or other URL schemes survive, however they are spelled.

Markdown cannot be sanitised as markdown (a link reference inside a list item, an
autolink or an entity-encoded scheme is only a link once rendered). So it is rendered
with nbconvert's own renderer (what formgrader and nbconvert use), sanitised as HTML,
and stored as that HTML on one line (line breaks as character references), which the
renderer passes through as one raw HTML block: rendering the stored text again gives
exactly the sanitised HTML. That is checked for every cell; where it does not hold, the
cell's source is shown as escaped plain text instead.
"""

import html
import re

import nh3
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from pygments.token import STANDARD_TYPES

TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
}
CELL_ATTRIBUTES = {"colspan", "rowspan", "align"}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": CELL_ATTRIBUTES,
    "th": CELL_ATTRIBUTES,
    "ol": {"start"},
    "abbr": {"title"},
}
# Only the classes of nbconvert's code highlighting (Pygments), so code blocks keep their
# colours; no class can make student text look like formgrader's own controls.
CLASSES = {"span": {name for name in STANDARD_TYPES.values() if name}, "div": {"highlight"}}
# nh3 lets these schemes through; _allowed_value then decides on the URL a browser finally
# reads (data: only for an embedded bitmap).
URL_SCHEMES = {"http", "https", "mailto", "data"}
SAFE_SCHEMES = ("", "http", "https", "mailto")  # "": a relative URL
IMAGE_DATA_URL = re.compile(r"data:image/(?:png|jpeg|gif);base64,[A-Za-z0-9+/]*={0,2}")
SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
# nbconvert's strip_files_prefix filter, which formgrader's template and ours apply to rendered
# markdown, removes a leading "files/" or "/files/" from every href and src: a relative
# "files/javascript:..." reaches the browser as "javascript:...".
FILES_PREFIX = re.compile(r"\A/?files/")
LINE_BREAKS = str.maketrans({"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _scheme(url):
    """The scheme a browser reads in ``url`` ('' for a relative URL): like the URL standard,
    ignoring leading spaces and control characters and every tab and newline."""
    squeezed = re.sub(r"[\t\n\r]", "", url).lstrip("".join(map(chr, range(0x21))))
    match = SCHEME.match(squeezed)
    return match.group(1).lower() if match else ""


def _allowed_value(tag, attribute, value):
    """nh3's per-attribute check: a link or image source only to a safe scheme once nbconvert
    has stripped its files/ prefix, and a data: URL only as an image's embedded bitmap."""
    if attribute not in ("href", "src"):
        return value
    scheme = _scheme(FILES_PREFIX.sub("", value, count=1))
    if scheme == "data":
        return value if (tag, attribute) == ("img", "src") and IMAGE_DATA_URL.fullmatch(value) else None
    return value if scheme in SAFE_SCHEMES else None


CLEANER = nh3.Cleaner(
    tags=TAGS,
    attributes=ATTRIBUTES,
    allowed_classes=CLASSES,
    url_schemes=URL_SCHEMES,
    attribute_filter=_allowed_value,
    strip_comments=True,
)


def clean_html(text):
    """An HTML fragment with only what the allow-list keeps."""
    return CLEANER.clean(text)


def render_markdown(source, attachments=None, anchor_links=True):
    """Markdown to HTML as nbconvert's HTML exporter (and so formgrader) renders a cell;
    ``anchor_links=False`` leaves out the heading anchors, which link to ids never kept."""
    renderer = IPythonRenderer(escape=False, attachments=attachments or {}, exclude_anchor_links=not anchor_links)
    return MarkdownWithMath(renderer=renderer).render(source)


def _one_line(fragment):
    return fragment.strip().translate(LINE_BREAKS)


def plain_text_html(source):
    """A source shown as escaped plain text, in a form the markdown renderer leaves as it is."""
    return _one_line(f"<pre>{html.escape(source)}</pre>")


def _image_attachments(attachments):
    """The cell's attachments as the renderer reads them, bitmaps only (others are dropped)."""
    kept = {}
    for name, bundle in (attachments or {}).items() if isinstance(attachments, dict) else ():
        if isinstance(bundle, dict):
            images = {
                kind: data
                for kind, data in bundle.items()
                if kind in ("image/png", "image/jpeg", "image/gif") and isinstance(data, str)
            }
            kept[name] = images or {"image/png": ""}  # a reference to it renders as an empty image
    return kept


_SURROGATE = re.compile("[\ud800-\udfff]")  # in a str, always unpaired


def replace_lone_surrogates(text):
    """``text`` with each lone surrogate as U+FFFD, the replacement character. JSON carries
    one as an escape (a submission's markdown, a kernel's output, a value's name), but UTF-8
    cannot encode it: nbconvert's writer, tornado's page and every ``.encode()`` fail on it,
    and a notebook holding it could be neither autograded, shown in formgrader nor rescored."""
    return _SURROGATE.sub("\ufffd", text)


def without_lone_surrogates(value):
    """A JSON value (a notebook) with every string in it, keys included, through
    ``replace_lone_surrogates``."""
    if isinstance(value, str):
        return replace_lone_surrogates(value)
    if isinstance(value, dict):
        return {replace_lone_surrogates(key): without_lone_surrogates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_lone_surrogates(item) for item in value]
    return value


def markdown_html(source, attachments=None):
    """A markdown cell's source replaced by its sanitised HTML, which renders as itself.

    ``attachments`` (the cell's) are embedded as data: images. Falls back to the source as
    escaped text when rendering fails (a reference to a missing attachment) or when the
    stored HTML would not render back to itself. A lone surrogate (JSON can carry one, UTF-8
    and the sanitiser cannot) becomes U+FFFD, the replacement character, first.
    """
    source = replace_lone_surrogates(source)
    try:
        stored = _one_line(clean_html(render_markdown(source, _image_attachments(attachments), anchor_links=False)))
    except Exception:  # noqa: BLE001 - nbconvert refuses some markdown (a missing attachment)
        return plain_text_html(source)
    return stored if renders_as_itself(stored) else plain_text_html(source)


def renders_as_itself(stored):
    """Whether nbconvert's markdown renderer gives ``stored`` back unchanged (and still clean)."""
    try:
        again = render_markdown(stored).strip()
    except Exception:  # noqa: BLE001 - whatever fails to render is not shown as HTML
        return False
    return again == stored and _one_line(clean_html(again)) == stored
