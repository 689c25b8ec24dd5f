"""The JSON API's authentication, its per-operation policy, and the /api/auth endpoints.

Every operation of every context's router declares the action it needs with
`@requires_api("…")` (an action of accounts.policy.ACTIONS, or PUBLIC / AUTHENTICATED).
`ApiRouter` writes the declared action into the OpenAPI schema as
`x-vanguard-policy` and documents the error answers every operation can give; the
policy test walks the schema and fails on an operation without one.

Two ways in: `Authorization: Bearer <token>` (mobile apps, HR systems; tokens from
POST /api/auth/token) or the Django session of the web pages (htmx), with CSRF for
writes."""

import re
from datetime import date, datetime
from functools import wraps
from typing import Annotated, Any

from django.contrib.auth import authenticate
from django.contrib.auth import logout as session_logout
from django.contrib.auth.models import update_last_login
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import BeforeValidator, StrictBool, StrictInt

from vanguard.accounts import lockout, tokens
from vanguard.accounts.models import Role
from vanguard.accounts.policy import ACTIONS, AUTHENTICATED, PUBLIC, scope_of
from vanguard.core import audit

FORBIDDEN_MESSAGE = "您的职务无权进行此操作"
UNAUTHENTICATED_MESSAGE = "请先登录：在请求头中携带 Authorization: Bearer <令牌>"


# --- the error body every operation answers with ---------------------------------------
class ErrorItem(Schema):
    field: str = Field(description="出错的字段（接口字段名），整条记录的问题为空")
    message: str = Field(description="中文说明，写明字段和规则")
    code: str = Field(description="机器可读的错误代码")


class ErrorsOut(Schema):
    errors: list[ErrorItem]


def errors_body(message: str, *, field: str = "", code: str = "invalid") -> dict:
    return {"errors": [{"field": field, "message": message, "code": code}]}


# --- authentication -----------------------------------------------------------------------
class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = tokens.resolve(token)
        if found is None:
            return None
        request.api_token = found
        request.user = found.user
        return found.user


class SessionAuth(APIKeyCookie):
    """The web pages' session. Unlike ninja's `django_auth`, an anonymous request is
    told 401 (not a CSRF 403) and the CSRF check applies only to a logged-in session
    (unsafe methods; Django's own middleware logic)."""

    param_name = "sessionid"

    def __init__(self) -> None:
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request):
            raise HttpError(403, "CSRF 校验失败：请刷新页面后重试")
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover - unused
        return None


api_auth = [BearerTokenAuth(), SessionAuth()]


# --- the declared policy of each operation ------------------------------------------------
def requires_api(action: str):
    """Declare (and enforce) the action an operation needs. Authentication has already
    answered 401; a user whose posts never allow `action` gets 403. Objects outside the
    user's scope are the selectors' business (404)."""
    if action not in ACTIONS and action not in (PUBLIC, AUTHENTICATED):
        raise ValueError(f"unknown action {action}")

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if action != PUBLIC and not scope_of(request.auth).may(action):
                raise HttpError(403, FORBIDDEN_MESSAGE)
            return view(request, *args, **kwargs)

        wrapper.vanguard_policy = action
        return wrapper

    return decorate


ERROR_RESPONSES = {
    400: ErrorsOut,
    401: ErrorsOut,
    403: ErrorsOut,
    404: ErrorsOut,
    422: ErrorsOut,
}


class ApiRouter(Router):
    """A Router that records each operation's declared policy in the schema
    (`x-vanguard-policy`) and documents the error answers every operation may give."""

    def add_api_operation(self, path, methods, view_func, *, response=None, openapi_extra=None, **kwargs):
        policy = getattr(view_func, "vanguard_policy", None)
        if policy is not None:
            openapi_extra = {**(openapi_extra or {}), "x-vanguard-policy": policy}
        if response is not None:
            codes = dict(response) if isinstance(response, dict) else {200: response}
            for code, schema in ERROR_RESPONSES.items():
                codes.setdefault(code, schema)
            response = codes
        return super().add_api_operation(
            path, methods, view_func, response=response, openapi_extra=openapi_extra, **kwargs
        )


# --- /api/auth ------------------------------------------------------------------------------
router = ApiRouter(tags=["认证"])


class TokenIn(Schema):
    username: str = Field(..., min_length=1, max_length=150, title="账号")
    password: str = Field(..., min_length=1, max_length=128, title="密码")


class TokenOut(Schema):
    token: str = Field(description="在请求头中携带：Authorization: Bearer <token>")
    expires_at: datetime


class PostOut(Schema):
    role: str = Field(json_schema_extra={"enum": Role.values})
    role_label: str
    organization_id: int
    organization_name: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    person_id: int | None
    posts: list[PostOut]


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 429: ErrorsOut},
    summary="用账号密码换取接口令牌",
)
@requires_api(PUBLIC)
def issue_token(request, credentials: TokenIn):
    """Goes through django.contrib.auth.authenticate, and so through the lockout:
    five failures lock the account name for 30 minutes on every path."""
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        if lockout.is_locked(credentials.username):
            return Status(429, errors_body(lockout.LOCKED_MESSAGE, field="username", code="locked"))
        raise HttpError(401, "账号或密码不正确")
    lockout.clear(user.get_username())
    update_last_login(None, user)
    raw, token = tokens.issue(user=user, client=request.headers.get("User-Agent", ""))
    audit.record(
        actor=user,
        action="login",
        obj=user,
        summary="API 登录：签发接口令牌",
        changes={"token": token.pk, "expires_at": token.expires_at},
    )
    return Status(200, {"token": raw, "expires_at": token.expires_at})


@router.post("/logout", auth=api_auth, response={204: None}, summary="注销当前令牌（或退出网页会话）")
@requires_api(AUTHENTICATED)
def revoke_token(request):
    token = getattr(request, "api_token", None)
    if token is None:
        # Session callers (the web pages): the usual logout, audited by the signal.
        session_logout(request)
        return Status(204, None)
    tokens.revoke(token)
    audit.record(
        actor=request.auth,
        action="logout",
        obj=request.auth,
        summary="API 退出：注销接口令牌",
        changes={"token": token.pk},
    )
    return Status(204, None)


@router.get("/me", auth=api_auth, response=MeOut, summary="当前用户及其职务")
@requires_api(AUTHENTICATED)
def me(request):
    user = request.auth
    scope = scope_of(user)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": user.display_name,
        "person_id": user.person_id,
        "posts": [
            {
                "role": g.role,
                "role_label": Role(g.role).label,
                "organization_id": g.org_id,
                "organization_name": g.org_name,
            }
            for g in scope.grants
        ],
    }


# --- shared pieces of every context's API ----------------------------------------------------
# Ids are 64-bit (BigAutoField); a larger number would overflow the database driver.
MAX_ID = 2**63 - 1
MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200
# Text fields refuse control characters (PostgreSQL rejects NUL outright); notes may
# hold line breaks and tabs.
SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"
MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def _iso_date(value: Any) -> Any:
    """Dates come as "YYYY-MM-DD" text only: pydantic would also take 0 (1970-01-01)
    or a timestamp, which an HR system sends only by mistake."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("应为 YYYY-MM-DD 格式的日期")
    return value


# Body types: no silent coercion ("12" → 12, 1 → true, 0 → 1970-01-01).
ApiDate = Annotated[date, BeforeValidator(_iso_date)]
ApiInt = StrictInt
ApiBool = StrictBool


def text_field(default: Any, *, title: str, max_length: int, min_length: int | None = None, multiline=False):
    return Field(
        default,
        title=title,
        max_length=max_length,
        min_length=min_length,
        pattern=MULTI_LINE if multiline else SINGLE_LINE,
    )


def id_field(default: Any, *, title: str):
    return Field(default, title=title, ge=1, le=MAX_ID)


def paginate(queryset, *, page: int, page_size: int, convert) -> dict:
    """One page of a queryset: two queries (count, rows) whatever the page size."""
    offset = (page - 1) * page_size
    return {
        "count": queryset.count(),
        "page": page,
        "page_size": page_size,
        "items": [convert(obj) for obj in queryset[offset : offset + page_size]],
    }
