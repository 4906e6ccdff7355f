"""`/api/v1/account/`: the caller's plan and usage."""

from fastapi import APIRouter

from serve.openapi import ACCOUNT_OR_ANONYMOUS, errors, ok
from serve.routes.dependencies import CallerDep, ServicesDep
from serve.services.catalog import Account

router = APIRouter(prefix="/api/v1/account")


@router.get(
    "/",
    summary="The caller's plan and usage",
    response_model=None,  # the body is described by `responses`
    openapi_extra=ACCOUNT_OR_ANONYMOUS,
    responses=ok(Account, "The plan, the usage of the current period and the balance.") | errors(401),
)
async def account(services: ServicesDep, caller: CallerDep) -> Account:
    """Plan, credits used and cap of the current period (or of the purchased credits), and
    the balance; anonymous callers see their IP's daily allowance."""
    return await services.account_usage.usage(caller)
