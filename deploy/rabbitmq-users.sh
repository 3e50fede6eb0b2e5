#!/bin/sh
# Creates (or updates) the broker users of the closed bus: svc-<service> for each service and,
# when BROKER_PASSWORD_PARTNER is set, partner-readonly (docs/security.md). The permissions are
# worked out from the services' code by scripts/broker_users.py, so run it again after adding an
# event handler. Needs the services' Python environment (the service image has it).
#
#   BROKER_API_URI=http://admin:secret@rabbitmq:15672  management API, administrator's credentials
#   BROKER_VHOST=/                                     the suite's vhost (created if missing)
#   BROKER_PASSWORD_ENQUIRY, _ADVICE, _CASES, _TASKS, _DOCUMENTS (required), _PARTNER (optional)
set -eu
cd "$(dirname "$0")/.."
exec "${PYTHON:-python}" -m scripts.broker_users "$@"
