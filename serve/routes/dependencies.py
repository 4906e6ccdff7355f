"""What the routes take from the app: its services and the request's caller."""

from typing import Annotated

from fastapi import Depends, Request

from serve.callers import Caller
from serve.services.wiring import Services


def services(request: Request) -> Services:
    return request.app.state.services


async def caller(request: Request, services: Annotated[Services, Depends(services)]) -> Caller:
    """The caller; 401 for an unknown or revoked token."""
    return await services.callers.of(request)


ServicesDep = Annotated[Services, Depends(services)]
CallerDep = Annotated[Caller, Depends(caller)]
