import re

from django.core.exceptions import ValidationError


class ComplexityValidator:
    """At least 10 characters with at least three of: upper case, lower case, digits,
    symbols (等保 2.0 三级 practice for password complexity)."""

    min_length = 10

    def validate(self, password, user=None):
        classes = sum(
            bool(re.search(pattern, password)) for pattern in (r"[A-Z]", r"[a-z]", r"[0-9]", r"[^A-Za-z0-9]")
        )
        if len(password) < self.min_length or classes < 3:
            raise ValidationError(
                "密码：至少 10 位，且包含大写字母、小写字母、数字、符号中的至少三类",
                code="password_too_simple",
            )

    def get_help_text(self):
        return "密码至少 10 位，且包含大写字母、小写字母、数字、符号中的至少三类。"
