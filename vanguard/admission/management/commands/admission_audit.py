"""`manage.py admission_audit [--user NAME] [--json] [--xlsx FILE]`: the 违规发展党员排查
from the command line, without storing a run: every dossier (or a user's scope) judged
by the rules; a summary, the findings as JSON lines, or an .xlsx file."""

import json
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vanguard.accounts.models import User
from vanguard.admission import audit
from vanguard.admission.models import Stage
from vanguard.sheets.writer import write_workbook


class Command(BaseCommand):
    help = "违规发展党员排查：按细则和“五查五不批”核查全部（或某账号范围内的）发展党员档案。"

    def add_arguments(self, parser):
        parser.add_argument("--user", help="按该账号的管理范围排查；默认全集团")
        parser.add_argument("--json", action="store_true", help="每份有问题的档案输出一行 JSON")
        parser.add_argument("--xlsx", metavar="FILE", help="把结果写成 Excel 文件")

    def handle(self, *args, user=None, json=False, xlsx=None, **options):
        account = None
        if user:
            account = User.objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"账号“{user}”不存在")
        started = time.perf_counter()
        stages = dict(Stage.choices)
        flagged, total, codes = [], 0, Counter()
        for head, findings in audit.audit_dossiers(account, today=timezone.localdate()):
            total += 1
            if findings:
                flagged.append((head, findings))
                codes.update({f.code for f in findings})
                if json:
                    self.stdout.write(_json_line(head, findings))
        if xlsx:
            rows = (
                [
                    head.id,
                    head.person_name,
                    head.branch_name,
                    stages.get(head.stage, head.stage),
                    audit.CHECK_NAMES.get(f.check, "其他规定") if f.check else "其他规定",
                    f.code,
                    audit.code_label(f.code),
                    f.message,
                ]
                for head, findings in flagged
                for f in findings
            )
            try:
                with open(xlsx, "wb") as out:
                    write_workbook(
                        out,
                        sheet_title="排查结果",
                        title="违规发展党员排查",
                        headers=audit.EXPORT_HEADERS,
                        rows=rows,
                    )
            except OSError as exc:
                raise CommandError(f"无法写入 {xlsx}：{exc.strerror}") from None
        seconds = time.perf_counter() - started
        summary = "、".join(f"{audit.code_label(c)}（{c}）{n}" for c, n in codes.most_common())
        (self.stderr if json else self.stdout).write(
            f"排查 {total} 份档案，{len(flagged)} 份有问题，用时 {seconds:.1f} 秒。{summary}"
        )


def _json_line(head, findings) -> str:
    return json.dumps(
        {
            "dossier": head.id,
            "person": head.person_name,
            "branch": head.branch_name,
            "stage": head.stage,
            "findings": [f.as_dict() for f in findings],
        },
        ensure_ascii=False,
    )
