"""manage.py import_caseload FILE --township CODE [--dry-run] [--user NAME]"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from caseload.services import ImportRefused, caseload_import
from caseload.sheet import FileRefused
from casework.models import Region


class Command(BaseCommand):
    help = "导入已有名册（.xlsx 或 .csv）：先逐行检查；有任何问题则不写入。--dry-run 只检查。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--township", required=True, help="乡镇（街道）区划代码")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--user", help="记为导入人的账号（默认：第一个超级用户）")

    def handle(self, *args, file, township, dry_run, user, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        region = Region.objects.filter(code=township, level=Region.Level.TOWNSHIP).first()
        if region is None:
            raise CommandError(f"没有区划代码为 {township} 的乡镇（街道）")
        users = get_user_model().objects.filter(is_active=True)
        actor = users.filter(username=user).first() if user else users.filter(is_superuser=True).first()
        if actor is None:
            raise CommandError("找不到导入人账号：请用 --user 指定，或先创建超级用户")
        try:
            result = caseload_import(
                township=region, actor=actor, file_name=path.name, content=path.read_bytes(), dry_run=dry_run
            )
        except FileRefused as exc:
            raise CommandError(str(exc)) from None
        except ImportRefused as exc:
            for problem in exc.check.problems:
                self.stderr.write(str(problem))
            raise CommandError(str(exc)) from None
        counts = (
            f"新建 {result.created} 人，更新 {result.updated} 人，无变化 {result.unchanged} 人，"
            f"已在其他乡镇（街道）登记 {result.elsewhere} 人"
        )
        if dry_run:
            self.stdout.write(f"检查通过（未写入）：{counts}")
        elif result.changed_nothing:
            self.stdout.write(f"与已有数据相同，没有任何变化：{counts}")
        else:
            self.stdout.write(f"已导入：{counts}，历史记录 {result.history} 条")
        for row in result.check.elsewhere_rows:
            self.stdout.write(f"第{row.number}行：已在其他乡镇（街道）登记，未导入")
