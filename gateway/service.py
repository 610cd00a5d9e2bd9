"""gateway service: HTTP in, RPC out. Each entrypoint only translates.

Routes live in gateway/routes/, one mixin per area; this class composes them and holds
what they share: the RPC proxies and the token secret.
"""

from __future__ import annotations

from nameko.rpc import RpcProxy

from common import process
from common.consumer import on_event
from common.remote import rpc_timeout
from gateway import auth
from gateway.auditing import audit_publisher
from gateway.credentials import Credentials
from gateway.http import unmatched
from gateway.revocations import Revocations, epoch_of
from gateway.routes.accounts import AccountRoutes
from gateway.routes.fieldwork import FieldworkRoutes
from gateway.routes.inbox import InboxRoutes
from gateway.routes.notify import NotifyRoutes
from gateway.routes.open311 import Open311Routes
from gateway.routes.operations import OperationsRoutes
from gateway.routes.org import OrgRoutes
from gateway.routes.procedures import ProceduresRoutes
from gateway.routes.scoring import ScoringRoutes
from gateway.routes.screening import ScreeningRoutes
from gateway.routes.tasks import TaskflowRoutes
from gateway.web import http

process.start()  # this process is a service: set it up (common/process.py)


def _proxy(name: str) -> RpcProxy:
    # A request message expires with the gateway's deadline, so a service that was
    # away does not act on a call nobody awaits any more.
    return RpcProxy(name, expiration=rpc_timeout())


class GatewayService(
    OperationsRoutes,
    OrgRoutes,
    InboxRoutes,
    TaskflowRoutes,
    FieldworkRoutes,
    ScoringRoutes,
    NotifyRoutes,
    ProceduresRoutes,
    Open311Routes,
    ScreeningRoutes,
    AccountRoutes,
):
    name = "gateway"

    grids = _proxy("grids")
    tasks = _proxy("tasks")
    scoring = _proxy("scoring")
    notify = _proxy("notify")

    jwt_secret = auth.load_secret()
    revoked = Revocations()
    credentials = Credentials()
    audit_publisher = audit_publisher()

    @on_event("grids", "token.revoked", broadcast=True)
    def on_token_revoked(self, event: dict) -> None:
        """The token id into this process's revoked set."""
        data = event["data"]
        self.revoked.add(data["jti"], epoch_of(data["expires_at"]))

    @on_event("grids", "account.credentials_changed", broadcast=True)
    def on_credentials_changed(self, event: dict) -> None:
        """The person's credential version into this process's set: older tokens are refused."""
        data = event["data"]
        self.credentials.update(data["person_id"], data["credential_version"])

    # -- everything else --------------------------------------------------------------

    @http("GET,POST,PUT,PATCH,DELETE", "/<path:path>")
    def not_found(self, request, path):
        return unmatched(request, path)
