from vanguard.imports.management.commands._base import ImportCommand
from vanguard.imports.services import import_roster


class Command(ImportCommand):
    help = "从 Excel（.xlsx）导入党员花名册（按身份证号识别人员，重复导入不产生变化）"
    what = "花名册"

    def run_import(self, path, *, dry_run):
        return import_roster(path, dry_run=dry_run, acting_user=None)
