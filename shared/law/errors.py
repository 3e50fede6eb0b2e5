"""The law package's errors: plain ValueErrors so that shared.law stays free of nameko; a service
turns them into shared.errors.ValidationFailed (``NoticeFactsInvalid.field_errors`` is ready for
that)."""

from __future__ import annotations

from datetime import date

NATIONS = ("england", "wales", "scotland")


class UnknownNation(ValueError):
    def __init__(self, nation: object) -> None:
        super().__init__(
            f"{nation!r} is not a nation this suite knows: use one of {', '.join(NATIONS)}"
        )
        self.nation = nation


class NoPackInForce(ValueError):
    def __init__(self, nation: str, on: date, earliest: date | None) -> None:
        since = f"; the earliest starts on {earliest.isoformat()}" if earliest else ""
        super().__init__(f"no {nation} law pack is in force on {on.isoformat()}{since}")
        self.nation, self.on, self.earliest = nation, on, earliest


class NoticeFactsInvalid(ValueError):
    """The facts about a notice contradict themselves or the law; ``field`` names the
    NoticeFacts field at fault. The message never repeats the facts themselves."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message

    @property
    def field_errors(self) -> dict[str, list[str]]:
        return {self.field: [self.message]}


class LawPackInvalid(ValueError):
    """A pack file breaks the pack schema; ``where`` is the file and the path inside it."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where, self.message = where, message
