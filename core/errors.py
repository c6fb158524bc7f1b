"""The one exception a service raises to refuse what a user asked (HackSoft's ApplicationError).

A service refuses with `ApplicationError(_("…"))`: the message is for the user, already translated
by the raiser; `field` names the form field it concerns (the view may attach it there), `extra` holds
anything else the caller may show (e.g. every bad line of an import). Views catch ApplicationError
(or a subclass) and show its message; anything else a service raises (ValueError, TypeError, …) is a
programming error and must reach the error page (500), never be shown as a message.

Subclasses exist only where a caller must tell a refusal apart from the others: ConflictError (the
report form answers it with a 409 and keeps what was typed). A refusal by role is ApplicationError
with a `field` (inspections.services.ActionRefused); a user who may not act at all gets PermissionDenied (403).
"""

from typing import Any


class ApplicationError(Exception):
    def __init__(self, message: str, *, field: str | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra if extra is not None else {}

    def __str__(self) -> str:
        return str(self.message)


class ConflictError(ApplicationError):
    """Somebody else changed the object since this copy was read (a stale version): reload, don't retry."""
