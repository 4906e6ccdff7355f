"""The `ocrchat` console command."""

import argparse
import logging
import sys

import redis

from accounts.tokens import PLANS, create_account
from configs.settings import get_settings


def _serve(_: argparse.Namespace) -> int:
    from serve.runner import run_service

    run_service(get_settings())
    return 0


def _accounts_create(args: argparse.Namespace) -> int:
    client = redis.Redis.from_url(get_settings().effective_redis_url)
    try:
        account_id, token = create_account(client, args.plan)
    except redis.ConnectionError as exc:
        print(f"Cannot reach Redis at {get_settings().effective_redis_url}: {exc}", file=sys.stderr)
        return 1
    print(f"Created {args.plan} account {account_id}. Its API token (shown only now):")
    print(token)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ocrchat", description="Self-hosted OCR.chat-compatible OCR service.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="Start the service in the foreground.").set_defaults(func=_serve)
    accounts = commands.add_parser("accounts", help="Manage accounts and API tokens.")
    account_commands = accounts.add_subparsers(dest="accounts_command", required=True)
    create = account_commands.add_parser("create", help="Create an account; prints its token on the last line.")
    create.add_argument("--plan", choices=PLANS, default="free")
    create.set_defaults(func=_accounts_create)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
