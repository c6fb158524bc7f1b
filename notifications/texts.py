"""What each kind of inbox entry says, rendered in the reader's language when it is read or mailed.

A notification stores its kind and plain parameters (names, the period's label, numbers, the text a
person typed), never a translated sentence: an office working in English must not hand a commune an
English inbox, and a mail goes out in its recipient's language.

The apps that notify register the wording of their kinds here (`@kind("report_submitted")`), from their
own `notification_texts` module, imported by their AppConfig.ready(): this app knows none of them.
"""

from collections.abc import Callable

Params = dict
Renderer = Callable[[Params], tuple[str, str]]

KINDS: dict[str, Renderer] = {}


def kind(name: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of the notifications of kind `name`: params → (title, body)."""

    def register(renderer: Renderer) -> Renderer:
        KINDS[name] = renderer
        return renderer

    return register


def render(kind: str, params: Params) -> tuple[str, str]:
    """(title, body) of a notification of `kind`, in the active language."""
    return KINDS[kind](params)
