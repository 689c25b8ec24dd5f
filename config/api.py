"""The JSON API under /api/ (OpenAPI schema at /api/openapi.json).

For mobile apps and HR systems, with the same scoping as the web pages: every
operation declares the action it needs (vanguard.accounts.api.requires_api) and reads
through the contexts' selectors. Errors always come back as
{"errors": [{"field", "message", "code"}]} with Chinese messages:

- 401 not logged in, 403 the user's posts never allow the action,
- 404 the object does not exist *or* lies outside the user's scope (no probing),
- 422 a rule was broken (DomainError) or the input does not parse (wrong type,
  missing field, bad date, too long, value not in the list).

The Swagger UI (/api/docs) is disabled: it loads its assets from a CDN and the system
runs on an intranet. The schema itself is served without login (it holds no data).
"""

import enum
import typing
from functools import cached_property

from django.db.models import TextChoices
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError, ValidationErrorContext
from pydantic import BaseModel

from vanguard.accounts.api import UNAUTHENTICATED_MESSAGE, api_auth, errors_body
from vanguard.accounts.api import router as auth_router
from vanguard.admission.api import router as admission_router
from vanguard.core.errors import DomainError, NotFoundOrForbidden
from vanguard.organizations.api import router as organizations_router
from vanguard.people.api import router as people_router

NOT_FOUND_MESSAGE = "不存在或无权查看"


def _model_in(annotation) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (X, X | None, list[X])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _choices_in(annotation) -> type[enum.Enum] | None:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return annotation
    for arg in typing.get_args(annotation):
        found = _choices_in(arg)
        if found is not None:
            return found
    return None


def _describe_choices(choices: type[enum.Enum]) -> str:
    if issubclass(choices, TextChoices):
        return "、".join(f"{c.value}（{c.label}）" for c in choices)
    return "、".join(str(c.value) for c in choices)


def _translate(error: dict, model: type[BaseModel]) -> dict:
    """One pydantic error → {"field", "message", "code"}, in Chinese, naming the field
    by its title (the label the web form shows)."""
    loc = tuple(error.get("loc", ()))
    source = getattr(model, "__ninja_param_source__", "")
    info, current = None, model
    for part in loc:
        fields = getattr(current, "model_fields", None) if current is not None else None
        if isinstance(part, int) or not fields or part not in fields:
            continue
        info = fields[part]
        current = _model_in(info.annotation)
    # A body arrives as one parameter (its name is the first step of loc): the client
    # knows the fields inside it, not the parameter's name.
    names = [str(p) for p in loc]
    if source == "body" and names:
        names = names[1:]
    field = ".".join(names)
    label = (info.title if info is not None and info.title else None) or field or "请求体"
    ctx = error.get("ctx") or {}
    kind = error.get("type", "")

    if kind == "missing":
        message = "不能为空"
    elif kind.startswith("date") or kind.startswith("datetime"):
        message = "应为 YYYY-MM-DD 格式的日期"
    elif kind in ("int_parsing", "int_type", "int_from_float", "int_parsing_size"):
        message = "应为整数"
    elif kind in ("bool_parsing", "bool_type"):
        message = "应为 true 或 false"
    elif kind == "greater_than_equal":
        message = f"不能小于 {ctx.get('ge')}"
    elif kind == "greater_than":
        message = f"应大于 {ctx.get('gt')}"
    elif kind == "less_than_equal":
        message = f"不能大于 {ctx.get('le')}"
    elif kind == "less_than":
        message = f"应小于 {ctx.get('lt')}"
    elif kind == "string_too_long":
        message = f"不能超过 {ctx.get('max_length')} 个字"
    elif kind == "string_too_short":
        message = "不能为空" if ctx.get("min_length") == 1 else f"不能少于 {ctx.get('min_length')} 个字"
    elif kind == "string_pattern_mismatch":
        message = "不能包含控制字符"
    elif kind == "string_type":
        message = "应为文本"
    elif kind in ("enum", "literal_error"):
        choices = _choices_in(info.annotation) if info is not None else None
        allowed = _describe_choices(choices) if choices else ctx.get("expected", "")
        message = f"应为以下之一：{allowed}"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        message = "应为 JSON 对象"
    elif kind == "list_type":
        message = "应为列表"
    elif kind == "extra_forbidden":
        message = "不是可识别的字段"
    elif kind == "value_error":
        message = str(ctx.get("error", "取值无效")).removeprefix("Value error, ")
    else:
        message = "取值无效"
    return {"field": field, "message": f"{label}：{message}", "code": kind or "invalid"}


class VanguardAPI(NinjaAPI):
    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext]
    ) -> ValidationError:
        return ValidationError(
            [
                _translate(dict(error), context.model)
                for context in error_contexts
                for error in context.pydantic_validation_error.errors(include_url=False)
            ]
        )

    @cached_property
    def field_names_by_label(self) -> dict[str, str]:
        """Chinese label → API field name, read from the schema's titles, so that a
        DomainError about "出生日期" points the client at `birth_date`."""
        schema = self.get_openapi_schema()
        out: dict[str, str] = {}
        for component in schema.get("components", {}).get("schemas", {}).values():
            for name, prop in component.get("properties", {}).items():
                title = prop.get("title")
                if title and title != name:
                    out.setdefault(title, name)
        return out


api = VanguardAPI(
    title="先锋 Vanguard API",
    version="1",
    description=(
        "党组织与党员管理接口。认证：POST /api/auth/token 换取令牌，之后在请求头中携带 "
        "Authorization: Bearer <令牌>；网页会话（含 CSRF）同样可用。每个接口在 x-vanguard-policy "
        "中声明所需权限；超出职务范围的对象一律答 404。"
    ),
    urls_namespace="api",
    auth=api_auth,
    docs_url=None,
)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    names = api.field_names_by_label
    errors = [{"field": names.get(p.field, ""), "message": p.message, "code": p.code} for p in exc.problems]
    # A service refusing because the object lies outside what the user may manage is a
    # permission answer, not a data problem.
    status = 403 if all(p.code == "forbidden" for p in exc.problems) else 422
    return api.create_response(request, {"errors": errors}, status=status)


@api.exception_handler(NotFoundOrForbidden)
def _not_found_or_forbidden(request, exc):
    return api.create_response(request, errors_body(NOT_FOUND_MESSAGE, code="not_found"), status=404)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, errors_body(NOT_FOUND_MESSAGE, code="not_found"), status=404)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    return api.create_response(request, {"errors": exc.errors}, status=422)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request, errors_body(UNAUTHENTICATED_MESSAGE, code="unauthenticated"), status=401
    )


_HTTP_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 429: "throttled"}


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    message = str(exc)
    if exc.status_code == 400 and message == "Cannot parse request body":
        message = "请求体：不是有效的 JSON"
    return api.create_response(
        request,
        errors_body(message, code=_HTTP_CODES.get(exc.status_code, "error")),
        status=exc.status_code,
    )


api.add_router("/auth", auth_router)
api.add_router("/orgs", organizations_router)
api.add_router("/people", people_router)
api.add_router("/admission", admission_router)
