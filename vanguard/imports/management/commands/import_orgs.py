from vanguard.imports.management.commands._base import ImportCommand
from vanguard.imports.services import import_orgs


class Command(ImportCommand):
    help = "从 Excel（.xlsx）导入组织结构：组织名称、上级组织（最顶层留空）、组织类型"
    what = "组织"

    def run_import(self, path, *, dry_run):
        return import_orgs(path, dry_run=dry_run, acting_user=None)
