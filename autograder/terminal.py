"""Text from a submission, made safe to print: every character a terminal would act on is shown as an escape.

A student chooses their file names, grade ids, record names, error messages and more. A
terminal obeys control characters in whatever it prints: ESC sequences move the cursor,
rewrite lines (a fake ``PASS``), retitle the window or write the clipboard (OSC 52), a
carriage return or newline starts a line of the student's making, and Unicode bidi and
format controls (U+202E, zero-width characters) reorder or hide text. ``visible`` is the
one function every printed string from a submission goes through: it keeps what
``str.isprintable`` allows (letters, digits, punctuation and spaces of any script) and
writes everything else as its Python escape (``\\x1b``, ``\\n``, ``\\u202e``).

``VisibleLogText`` does the same for log records at the handler that writes them to a
terminal (``log_visibly`` for our commands; nbgrader_config.py's ``logging_config`` for
nbgrader's), and ``VisibleLog`` for the nbgrader preprocessors we extend, in any process.
"""

import logging
import traceback


def _escape(char):
    code = ord(char)
    if char in "\n\r\t":
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text):
    """``text`` with every control and format character written as its escape; one line."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def visible_lines(text):
    """Like ``visible``, but keeping line breaks (a traceback, a table built by us)."""
    return "\n".join(visible(line) for line in str(text).split("\n"))


class VisibleLogText(logging.Filter):
    """A handler filter that makes each record's message (and traceback) visible text.

    The message, with its arguments filled in, is written as one line; a traceback keeps
    its line breaks. Attach it to a handler (``logging.config``'s ``filters``), so every
    logger that reaches the terminal through that handler is covered.
    """

    def filter(self, record):
        record.msg, record.args = visible(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = visible_lines(record.exc_text)
        if record.stack_info:
            record.stack_info = visible_lines(record.stack_info)
        return True


class VisibleLog(logging.LoggerAdapter):
    """A logger whose messages are made visible before any handler sees them.

    For nbgrader's own preprocessors that we extend (they log a submission's grade ids
    as they find them), in any process, whatever handlers that process has.
    """

    def log(self, level, msg, *args, **kwargs):
        if self.isEnabledFor(level):
            message = str(msg) % args if args else str(msg)
            self.logger.log(level, "%s", visible(message), **kwargs)


def log_visibly():
    """Make whatever this process logs to the terminal visible text: the handlers of the root
    logger, and Python's last-resort handler (what a logger without handlers writes to)."""
    for handler in [logging.lastResort, *logging.getLogger().handlers]:
        if handler is not None and not any(isinstance(f, VisibleLogText) for f in handler.filters):
            handler.addFilter(VisibleLogText())
