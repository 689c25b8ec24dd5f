"""`manage.py admission_check FILE.json`: judge one dossier against the admission rules.

The interface is a contract other tools call (issue 3): the dossier as JSON in, then
{"approvable": …, "findings": [{"code", "check", "message"}]} on stdout. Exit 0 when the
party committee may approve on `approval_date` (today when missing), 1 when it may not,
2 when the input cannot be read (a Chinese message on stderr, nothing on stdout).

The public notice's minimum length comes from settings ADMISSION_NOTICE_MIN_DAYS
(default 5) and ADMISSION_NOTICE_WORKING_DAYS (default False: calendar days)."""

from __future__ import annotations

import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from vanguard.admission.rules import InvalidDossier, NoticeRule, check_approval, dossier_from_json
from vanguard.core.jsonfile import UnreadableJson, read_json_file


def notice_rule_from_settings() -> NoticeRule:
    return NoticeRule(
        min_days=int(getattr(settings, "ADMISSION_NOTICE_MIN_DAYS", 5)),
        working_days=bool(getattr(settings, "ADMISSION_NOTICE_WORKING_DAYS", False)),
    )


def read_dossier(path: str):
    """The file's dossier, or InvalidDossier saying (in Chinese) why it cannot be read."""
    try:
        obj = read_json_file(path)
    except UnreadableJson as exc:
        raise InvalidDossier(exc.message) from None
    return dossier_from_json(obj)


class Command(BaseCommand):
    help = "按发展党员工作细则和“五查五不批”检查一份发展党员档案（JSON），输出 JSON 结论"
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="档案 JSON 文件（日期为 YYYY-MM-DD）")

    def handle(self, *args, **options):
        try:
            dossier = read_dossier(options["file"])
        except InvalidDossier as exc:
            self.stderr.write(exc.message)
            sys.exit(2)
        on = dossier.approval_date or timezone.localdate()
        verdict = check_approval(dossier, on=on, notice_rule=notice_rule_from_settings())
        self.stdout.write(json.dumps(verdict.as_dict(), ensure_ascii=False))
        if not verdict.approvable:
            sys.exit(1)
