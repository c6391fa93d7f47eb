"""`kb user …`: account chores an admin does from the server's shell."""

from __future__ import annotations

import sys


def _in_session(settings, work):
    """work(session) on the configured database; an AppError's message goes to stderr and becomes None."""
    from sqlmodel import Session

    from app.db.engine import make_engine
    from app.errors import AppError

    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            return work(session)
    except AppError as exc:
        print(exc.message, file=sys.stderr)
        return None
    finally:
        engine.dispose()


def _cmd_reset_password(args, settings) -> int:
    from app.services.account_settings import RESET_HOURS, start_reset

    if args.email:
        return _mail_reset(args, settings)
    link = _in_session(settings, lambda session: start_reset(session, args.username, settings.base_url,
                                                                   replace=True))
    if link is None:
        return 1
    print(link.url)
    print(f"이 링크를 @{args.username.strip().lower()}에게 전해 주세요: 한 번만 쓸 수 있고 "
          f"{RESET_HOURS}시간 뒤 만료됩니다. 이 계정의 이전 재설정 링크는 이제 쓸 수 없습니다.", file=sys.stderr)
    return 0


def _mail_reset(args, settings) -> int:
    """--email: the link goes to the account's address (the same mail as /forgot-password) instead of
    the terminal."""
    from app.db.engine import make_engine
    from app.services.account_settings import accounts_to_reset
    from app.services.mail import deliver_reset

    if not settings.email_enabled:
        print("메일 서버 설정(KB_SMTP_HOST)이 없어 보낼 수 없습니다: --email 없이 링크를 출력해 전해 주세요.",
              file=sys.stderr)
        return 1
    user_ids = _in_session(settings, lambda session: accounts_to_reset(session, args.username))
    if user_ids is None:
        return 1
    if not user_ids:
        print(f"'{args.username}' 계정을 찾을 수 없습니다.", file=sys.stderr)
        return 1
    engine = make_engine(settings.database_url)
    try:
        sent = deliver_reset(engine, settings, user_ids[0])
    finally:
        engine.dispose()
    if not sent:
        print(f"@{args.username}에게 전자우편 주소가 없습니다: --email 없이 링크를 출력해 전해 주세요.",
              file=sys.stderr)
        return 1
    print(f"@{args.username}의 전자우편 주소로 재설정 링크를 보냈습니다.")
    return 0


def _cmd_promote(args, settings) -> int:
    from app.services.moderation import set_role

    standing = _in_session(settings, lambda session: set_role(session, args.username, args.role))
    if standing is None:
        return 1
    print(f"@{standing.username}의 역할: {standing.role}")
    return 0


def add_commands(commands):
    from app.db.models import ROLE_MODERATOR, ROLES

    user = commands.add_parser("user", help="계정 관리").add_subparsers(dest="user_command", required=True)
    promote = user.add_parser("promote", help="계정의 역할을 바꿉니다 (member, moderator, admin); 운영 기록에 남습니다")
    promote.add_argument("username", help="계정 아이디")
    promote.add_argument("--role", choices=ROLES, default=ROLE_MODERATOR, help="새 역할 (기본: moderator)")
    promote.set_defaults(handler=_cmd_promote)
    reset = user.add_parser("reset-password",
                            help="한 번 쓰는 비밀번호 재설정 링크를 만들어 출력합니다 (관리자가 전달)")
    reset.add_argument("username", help="계정 아이디")
    reset.add_argument("--email", action="store_true",
                       help="출력하는 대신 계정의 전자우편 주소로 보냅니다 (KB_SMTP_HOST가 있어야 함)")
    reset.set_defaults(handler=_cmd_reset_password)
    return user
