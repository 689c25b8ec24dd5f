"""`manage.py appraisal_score FILE.json`: the quantitative appraisal's final scores for a
set of members, so that a branch that scored on paper can check its sums (issue 4).

The interface is a contract — keep the names. In: {"weights": {"self", "peer", "worker",
"organization"}, "members": [{"id", "totals": {"self": [88], "peer": [90, 85], …}}]}.
Out: a JSON array of {"id", "score", "flag", "rank", "incomplete"} in the input's order,
the score with one decimal (86.4, 90.0), the flag red, yellow, blue or grey, the rank
among the members given (ties share it: 1, 2, 2, 4). A member with no evaluation in any
weighted source has score, flag and rank null. The rules are vanguard.assessment.rules
(docs/decisions/0008).

Exit 0 when the scores are computed (the command computes, it does not judge), 2 when
the input cannot be read: one Chinese line on stderr, nothing on stdout, no traceback."""

from __future__ import annotations

import sys
from decimal import Decimal

from django.core.management.base import BaseCommand

from vanguard.assessment.rules import InvalidInput, parse_input, results_json, score_members
from vanguard.core.jsonfile import UnreadableJson, read_json_file


def read_input(path: str):
    """The file's members and weights, or InvalidInput saying (in Chinese) why not.
    Numbers with a fraction are read as Decimal from their text, so 89.95 stays 89.95."""
    try:
        obj = read_json_file(path, parse_float=Decimal)
    except UnreadableJson as exc:
        raise InvalidInput(exc.message) from None
    return parse_input(obj)


class Command(BaseCommand):
    help = "按量化考核办法（自评、互评、群众参评、组织考评加权）计算一组党员的最终得分、旗色和排名，输出 JSON"
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSON 文件：weights（权重，可省略则用 10/30/20/40）和 members")

    def handle(self, *args, **options):
        try:
            data = read_input(options["file"])
        except InvalidInput as exc:
            self.stderr.write(exc.message)
            sys.exit(2)
        self.stdout.write(results_json(score_members(data.members, data.weights)))
