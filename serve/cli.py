"""The `ocrchat` console command."""

import argparse
import logging
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import redis

from accounts.metering import Metering, meter_for
from accounts.plans import PLANS, plan_named
from accounts.store import AccountError, account, account_ids, add_credits, create_account
from accounts.tokens import issue_token, list_tokens, revoke_token
from accounts.webhook_settings import set_default_callback_url, webhook_secret
from configs.settings import get_settings, without_password
from pipelines.jobs.callback_targets import CallbackError, callback_target


def _serve(_: argparse.Namespace) -> int:
    from serve.runner import run_service

    run_service(get_settings())
    return 0


def _redis() -> redis.Redis:
    return redis.Redis.from_url(get_settings().effective_redis_url, decode_responses=True)


def _create(args: argparse.Namespace) -> int:
    account_id, token = create_account(_redis(), args.plan, args.credits)
    print(f"Created {args.plan} account {account_id}. Its API token (shown only now):")
    print(token)
    return 0


def _list(_: argparse.Namespace) -> int:
    client = _redis()
    for account_id in account_ids(client):
        fields = account(client, account_id)
        print(f"{account_id}  {fields['plan']:5s}  created {fields['created_at']}")
    return 0


def _usage(args: argparse.Namespace) -> int:
    client = _redis()
    fields = account(client, args.account)
    plan = plan_named(fields["plan"], get_settings())
    meter = meter_for(f"account:{args.account}", plan, datetime.now(UTC))
    used, cap = Metering(client).usage(meter)
    period = f" in {meter.period}" if meter.period else " of purchased credits"
    print(f"account {args.account}, plan {plan.name}: {used} of {cap} credits used{period}; balance {cap - used}")
    for token_id, created in list_tokens(client, args.account).items():
        print(f"token {token_id}  created {created}")
    return 0


def _issue_token(args: argparse.Namespace) -> int:
    client = _redis()
    account(client, args.account)  # exists
    token_id, token = issue_token(client, args.account)
    print(f"New token {token_id} for account {args.account} (shown only now):")
    print(token)
    return 0


def _revoke_token(args: argparse.Namespace) -> int:
    if not revoke_token(_redis(), args.account, args.token_id):
        raise AccountError(f"Account {args.account} has no token {args.token_id!r} (see `ocrchat accounts usage`).")
    print(f"Revoked token {args.token_id}.")
    return 0


def _add_credits(args: argparse.Namespace) -> int:
    total = add_credits(_redis(), args.account, args.credits)
    print(f"Account {args.account} now holds {total} purchased credits.")
    return 0


def _webhook_secret(args: argparse.Namespace) -> int:
    secret = webhook_secret(_redis(), args.account, rotate=args.rotate)
    if args.rotate:
        print(f"New webhook secret of account {args.account} (events are signed with it from now on):")
    else:
        print(f"The webhook events of account {args.account}'s jobs are signed with:")
    print(secret)
    return 0


def _webhook_url(args: argparse.Namespace) -> int:
    if args.url is not None:
        try:
            callback_target(args.url, get_settings().webhook_allow_private)
        except CallbackError as exc:
            raise AccountError(str(exc)) from exc
    set_default_callback_url(_redis(), args.account, args.url)
    if args.url:
        print(f"Jobs of account {args.account} send their events to {args.url}.")
    else:
        print(f"Account {args.account} has no default callback URL.")
    return 0


def _webhook_parsers(sub) -> None:
    secret = sub.add_parser("webhook-secret", help="Show (or --rotate) the secret of an account's webhooks.")
    secret.add_argument("account")
    secret.add_argument("--rotate", action="store_true", help="Replace it with a new one.")
    secret.set_defaults(func=_webhook_secret)
    url = sub.add_parser("webhook-url", help="Set (or clear) the callback URL of an account's jobs without one.")
    url.add_argument("account")
    url.add_argument("url", nargs="?", default=None, help="An http(s) URL; leave out to clear it.")
    url.set_defaults(func=_webhook_url)


def _accounts_parser(commands) -> None:
    accounts = commands.add_parser("accounts", help="Manage accounts, API tokens and credits.")
    sub = accounts.add_subparsers(dest="accounts_command", required=True)
    create = sub.add_parser("create", help="Create an account; prints its token on the last line.")
    create.add_argument("--plan", choices=PLANS, default="free")
    create.add_argument("--credits", type=int, default=0, help="Purchased credits to start a paid account with.")
    create.set_defaults(func=_create)
    sub.add_parser("list", help="List the accounts.").set_defaults(func=_list)
    usage = sub.add_parser("usage", help="Show an account's plan, credits used and cap, and its tokens.")
    usage.add_argument("account")
    usage.set_defaults(func=_usage)
    issue = sub.add_parser("issue-token", help="Issue another token; prints it on the last line.")
    issue.add_argument("account")
    issue.set_defaults(func=_issue_token)
    revoke = sub.add_parser("revoke-token", help="Revoke a token by its id (from `usage`).")
    revoke.add_argument("account")
    revoke.add_argument("token_id")
    revoke.set_defaults(func=_revoke_token)
    credits = sub.add_parser("add-credits", help="Add purchased credits to a paid account.")
    credits.add_argument("account")
    credits.add_argument("credits", type=int)
    credits.set_defaults(func=_add_credits)
    _webhook_parsers(sub)


def _convert(args: argparse.Namespace) -> int:
    from configs.ray_env import apply_local_ray_env

    apply_local_ray_env()  # before ray is imported
    from engines.languages import normalize_language
    from exports.formats import FORMATS
    from pipelines.bulk.convert import EXIT_FAILED, EXIT_INTERRUPTED, ConvertOptions, convert
    from pipelines.bulk.inputs import InputError
    from pipelines.bulk.outputs import summary_lines
    from pipelines.jobs.page_selection import select_pages

    formats = tuple(dict.fromkeys(name.strip().lower() for name in args.format.split(",") if name.strip()))
    unknown = [name for name in formats if name not in FORMATS]
    try:
        if not formats or unknown:
            raise ValueError(f"Unknown format(s) {', '.join(unknown) or '(none)'}: choose from {', '.join(FORMATS)}.")
        normalize_language(args.language)
        if args.pages:  # the syntax only, against its own largest number; each document checks its range
            select_pages(args.pages, max([int(n) for n in re.findall(r"\d+", args.pages)] or [1]))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    options = ConvertOptions(formats, args.tier, args.language, args.pages, args.force, args.force_ocr)
    settings = get_settings()
    address = args.address or os.environ.get("RAY_ADDRESS") or settings.ray_address
    try:
        report = convert(Path(args.input), Path(args.output_dir), options, settings, address)
    except InputError as exc:
        print(exc, file=sys.stderr)
        return 2
    print("\n".join(summary_lines(report)), flush=True)
    if report["interrupted"]:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if report["documents"]["failed"] else 0


def _convert_parser(commands) -> None:
    convert = commands.add_parser(
        "convert",
        help="Convert a folder, a zip/tar archive or a list of files to text, Markdown, JSON, PDF, Word or CSV.",
        description="Convert every document of INPUT (a folder, recursively; a .zip, .tar, .tar.gz or .tgz "
        "archive; or a .txt/.lst file of paths, one per line) into OUTPUT_DIR, keeping the folder structure: "
        "a/b/scan.pdf -> OUTPUT_DIR/a/b/scan.<format>. Documents whose outputs all exist are skipped, so a "
        "stopped run resumes. Exit status 1 when a document failed (see OUTPUT_DIR/convert-report.json).",
    )
    convert.add_argument("input", help="Folder, archive or list file.")
    convert.add_argument("output_dir", help="Folder for the outputs and convert-report.json.")
    convert.add_argument("--format", default="md,json", help="Comma-separated: md,json,pdf,txt,docx,csv (md,json).")
    convert.add_argument("--tier", choices=["cpu"], default="cpu", help="OCR tier (cpu).")
    convert.add_argument("--language", default="auto", help="Language code, or auto (detected per page).")
    convert.add_argument("--pages", default=None, help="Pages of each document, 1-based: 1-3,7 or 5- (all).")
    convert.add_argument("--force", action="store_true", help="Convert documents whose outputs exist again.")
    convert.add_argument("--force-ocr", action="store_true", help="OCR every page, even with a text layer.")
    convert.add_argument(
        "--address", default=None, help="Ray cluster to use (else RAY_ADDRESS; else a local Ray is started)."
    )
    convert.set_defaults(func=_convert)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ocrchat", description="Self-hosted OCR.chat-compatible OCR service.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="Start the service in the foreground.").set_defaults(func=_serve)
    _accounts_parser(commands)
    _convert_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except AccountError as exc:
        print(exc, file=sys.stderr)
        return 1
    except redis.ConnectionError as exc:
        print(f"Cannot reach Redis at {without_password(get_settings().effective_redis_url)}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
