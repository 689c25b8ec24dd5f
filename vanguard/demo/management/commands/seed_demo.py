"""`manage.py seed_demo --members N [--if-empty] [--seed S]`: a demo coal group."""

from django.core.management.base import BaseCommand, CommandError

from vanguard.core.errors import DomainError
from vanguard.demo.services import DEMO_PASSWORD, seed_demo
from vanguard.organizations.models import Organization


class Command(BaseCommand):
    help = (
        "生成一个演示用的煤业集团：集团党委 → 矿党委（约每 4000 人一座，至少两座）→ 党总支 → "
        "党支部（每个区队一个，约 30 人）→ 党小组（每个班组一个），以及人员和每种职务一个演示账号。"
        "--members N 是人员总数（党员、入党申请人/积极分子/发展对象和群众都算在内）。"
        "同一个 --seed 在同一天生成相同的数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--members",
            type=int,
            default=300,
            help="人员总数 N（党员、发展中的人员和群众）；默认 300",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="库中已有任何党组织时什么也不做（make run 用它，只在第一次启动时生成）",
        )
        parser.add_argument("--seed", type=int, default=2026, help="随机种子；默认 2026")
        parser.add_argument(
            "--dossiers",
            type=int,
            default=None,
            help=(
                "发展党员档案份数；默认为发展中的人员、预备党员和近 5 年入党的党员各一份，"
                "给定时依次补上更早入党的党员和终止培养的群众，凑足这个数（不超过人数）"
            ),
        )

    def handle(self, *args, members, if_empty, seed, dossiers=None, **options):
        if Organization.objects.exists():
            if if_empty:
                self.stdout.write("库中已有党组织，跳过演示数据。")
                return
            raise CommandError("库中已有党组织；演示数据只能建在空库上（或加 --if-empty 跳过）。")
        verbose = options["verbosity"] > 1
        self.stdout.write(f"正在生成演示数据：{members} 人，种子 {seed} …")
        try:
            report = seed_demo(
                members=members,
                seed=seed,
                dossiers=dossiers,
                log=self.stdout.write if verbose else (lambda _msg: None),
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"完成（{report.seconds} 秒）：{report.mines} 个矿党委、{report.general_branches} 个党总支、"
                f"{report.branches} 个党支部、{report.groups} 个党小组、{report.units} 个区队/班组、"
                f"{report.people} 人；发展党员档案 {report.dossiers} 份、环节 {report.steps} 条"
                f"（其中 {len(report.planted)} 份按比例设置了违规问题，供排查演示）。"
            )
        )
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for a in report.accounts:
            self.stdout.write(f"  {a.username:<18} {a.where} · {a.role_label}  {a.display_name}")
