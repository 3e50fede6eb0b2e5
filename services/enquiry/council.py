"""The council's nation (``COUNCIL_NATION``): whose law its templates follow. Read when the
service starts, and refused there, in one line, if it is not a nation the suite knows."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.enquiry.seed import load_seed
from shared import law
from shared.config import service_config
from shared.nameko_wiring import UnitOfWorkProvider

log = logging.getLogger(__name__)


class ConfigurationError(Exception):
    """A setting the service cannot start with; the message is the operator's one line."""


def council_nation_of(config: Mapping[str, Any], service: str) -> str:
    value = config.get("COUNCIL_NATION")
    try:
        return law.council_nation(None if value is None else str(value).strip())
    except law.UnknownNation:
        line = (
            f"{service}: COUNCIL_NATION {value!r} is not a nation the suite knows: "
            f"one of {', '.join(law.NATIONS)}"
        )
        raise ConfigurationError(line) from None


def seed_for_configured_council(session: Session) -> None:
    """The seed as the operator commands run it (``python -m shared.manage migrate``): for the
    nation config.yaml gives, read as ``nameko run`` reads it."""
    load_seed(session, council_nation_of(service_config("enquiry"), "enquiry"))


class EnquiryStore(UnitOfWorkProvider):
    """The unit of work, seeded with the starter templates for the council's nation, which is
    checked before anything else starts."""

    council_nation: str

    def __init__(self, metadata: sa.MetaData, **kwargs: Any) -> None:
        super().__init__(metadata, seed=seed_for_configured_council, **kwargs)

    def setup(self) -> None:
        try:
            self.council_nation = council_nation_of(
                self.container.config, self.container.service_name
            )
        except ConfigurationError as error:
            # The operator reads this line; the traceback that follows is for developers.
            log.error(str(error))
            raise
        self.seed = partial(load_seed, council_nation=self.council_nation)
        super().setup()
