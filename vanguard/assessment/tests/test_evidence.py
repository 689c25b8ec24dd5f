"""Evidence photos and files on score entries (issue 4 point 2): accepted by their
content, kept under MEDIA_ROOT with a random name, served only to whoever may see the
entry, refused in Chinese with nothing written, append-only once the month is published."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from vanguard.accounts.models import Post, Role, User
from vanguard.assessment import evidence, services
from vanguard.assessment.models import ReadOnly, ScoreEntry
from vanguard.core.models import AuditEntry
from vanguard.people.models import Person

TODAY = timezone.localdate()
MONTH = TODAY.strftime("%Y-%m")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def _zip(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in names:
            z.writestr(name, "<x/>")
    return out.getvalue()


DOCX = _zip("[Content_Types].xml", "word/document.xml")
XLSX = _zip("[Content_Types].xml", "xl/workbook.xml")
DOCM = _zip("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin")
JAR = _zip("META-INF/MANIFEST.MF", "a/Main.class")


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (JPEG, "jpeg"),
        (PNG, "png"),
        (WEBP, "webp"),
        (PDF, "pdf"),
        (DOCX, "docx"),
        (XLSX, "xlsx"),
        (EXE, None),
        (DOCM, None),  # macros
        (JAR, None),  # a zip that is no Office file
        (b"just text", None),
        (b"PK\x03\x04 broken zip", None),
    ],
)
def test_the_kind_is_told_by_the_content(content, code):
    kind = evidence.identify(io.BytesIO(content))
    assert (kind.code if kind else None) == code


@pytest.mark.parametrize(
    ("name", "kind", "shown"),
    [
        ("IMG_0001.JPG", "jpeg", "IMG_0001.jpg"),
        ("C:\\Users\\张三\\隐患照片.png", "png", "隐患照片.png"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("报告.exe", "pdf", "报告.pdf"),
        ("", "docx", "附件.docx"),
    ],
)
def test_the_name_kept_is_clean_and_has_the_real_extension(name, kind, shown):
    assert evidence.display_name(name, evidence.KINDS[kind]) == shown


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def member(users):
    return Person.objects.get(name="李党员")


@pytest.fixture
def violation(tree):
    return services.ensure_default_rules(organization=tree.branch1).items.get(name__startswith="三违")


def _stored(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def _post(client, tree, member, violation, **files):
    return client.post(
        reverse("assessment:add_entry"),
        {
            "branch": tree.branch1.pk,
            "month": MONTH,
            "person": member.pk,
            "item": violation.pk,
            "on": TODAY,
            "evidence": "井下未戴自救器",
            **files,
        },
    )


def _other_branch_secretary(tree):
    u = User.objects.create_user(username="branch2_secretary", password="x", display_name="掘进书记")
    Post.objects.create(user=u, role=Role.BRANCH_SECRETARY, organization=tree.branch2)
    return u


def test_a_committee_member_photographs_the_evidence_and_those_in_scope_see_it(
    client, login, tree, users, member, violation, media
):
    # given a branch committee member on a phone
    committee = login(users[Role.BRANCH_COMMITTEE_MEMBER])
    # when they record an entry with a photo taken there and then
    answer = _post(committee, tree, member, violation, photo=SimpleUploadedFile("IMG_0001.JPG", JPEG))
    # then the entry has the photo, kept under MEDIA_ROOT with a random name
    assert answer.status_code == 302
    entry = ScoreEntry.objects.get()
    assert (entry.attachment_name, entry.attachment_type, entry.attachment_size) == (
        "IMG_0001.jpg",
        "image/jpeg",
        len(JPEG),
    )
    [stored] = _stored(media)
    assert stored.read_bytes() == JPEG and "IMG_0001" not in stored.name and len(stored.stem) >= 32
    url = reverse("assessment:evidence", args=[entry.pk])
    body = committee.get(reverse("assessment:index"), {"branch": tree.branch1.pk, "month": MONTH})
    assert f'<img src="{url}"' in body.content.decode()
    # and the branch's committee, the mine's committee and the member's group leader open it
    for role in (Role.BRANCH_COMMITTEE_MEMBER, Role.COMMITTEE_SECRETARY, Role.GROUP_LEADER):
        seen = login(users[role]).get(url)
        assert seen.status_code == 200, role
        assert seen["Content-Type"] == "image/jpeg" and b"".join(seen.streaming_content) == JPEG
        assert seen["X-Content-Type-Options"] == "nosniff"
    # but another branch's secretary does not find it, and a plain member may not look
    assert login(_other_branch_secretary(tree)).get(url).status_code == 404
    assert login(users["member"]).get(url).status_code == 403
    # and the file is not public under /media/
    client.logout()
    assert client.get(f"/media/{entry.attachment.name}").status_code == 404
    assert client.get(url).status_code == 302  # to the login page


def test_a_group_leader_of_another_group_does_not_find_it(login, tree, users, make_person, violation):
    other = make_person(tree.branch1, name="赵二组", group=tree.group2)
    entry = services.record_entry(
        person=other,
        item=violation,
        on=TODAY,
        acting_user=None,
        attachment=SimpleUploadedFile("a.pdf", PDF),
    )
    client = login(users[Role.GROUP_LEADER])  # leader of 第一党小组
    assert client.get(reverse("assessment:evidence", args=[entry.pk])).status_code == 404


def test_an_office_file_downloads_under_its_name(login, tree, users, member, violation):
    client = login(users[Role.BRANCH_SECRETARY])
    _post(client, tree, member, violation, attachment=SimpleUploadedFile("三违通知单.docx", DOCX))
    entry = ScoreEntry.objects.get()
    answer = client.get(reverse("assessment:evidence", args=[entry.pk]))
    assert answer.status_code == 200 and answer["Content-Type"] == evidence.KINDS["docx"].content_type
    assert answer["Content-Disposition"].startswith("attachment;")
    page = client.get(reverse("assessment:index"), {"branch": tree.branch1.pk, "month": MONTH})
    assert "附件：三违通知单.docx（Word）" in page.content.decode()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("setup.jpg", EXE, content_type="image/jpeg"),
            "附件：只接受照片（JPEG、PNG、WebP）、PDF、Word（.docx）或 Excel（.xlsx）文件",
        ),
        (SimpleUploadedFile("宏.docx", DOCM), "附件：只接受"),
        (
            SimpleUploadedFile("big.jpg", JPEG[:-2] + b"\x00" * (10 * 2**20) + b"\xff\xd9"),
            "附件：不能超过 10 MB",
        ),
    ],
    ids=["exe-renamed-jpg", "macro-docx", "over-10-MB"],
)
def test_a_refused_file_is_said_in_chinese_and_nothing_is_written(
    login, tree, users, member, violation, media, upload, message
):
    client = login(users[Role.BRANCH_COMMITTEE_MEMBER])
    audit_rows = AuditEntry.objects.count()
    answer = _post(client, tree, member, violation, attachment=upload)
    assert answer.status_code == 422
    assert message in answer.content.decode()
    assert not ScoreEntry.objects.exists() and _stored(media) == []
    assert AuditEntry.objects.count() == audit_rows


def test_photo_and_file_together_are_refused(login, tree, users, member, violation, media):
    client = login(users[Role.BRANCH_COMMITTEE_MEMBER])
    answer = _post(
        client,
        tree,
        member,
        violation,
        photo=SimpleUploadedFile("a.jpg", JPEG),
        attachment=SimpleUploadedFile("b.pdf", PDF),
    )
    assert answer.status_code == 422 and "拍照与选择文件只能用一种" in answer.content.decode()
    assert not ScoreEntry.objects.exists() and _stored(media) == []


def test_a_refused_entry_keeps_no_file_either(tree, users, member, violation, media):
    from vanguard.core.errors import DomainError

    tomorrow = TODAY + timezone.timedelta(days=1)
    with pytest.raises(DomainError, match="日期"):
        services.record_entry(
            person=member,
            item=violation,
            on=tomorrow,
            acting_user=None,
            attachment=SimpleUploadedFile("a.jpg", JPEG),
            today=TODAY,
        )
    assert _stored(media) == []


def test_entries_are_append_only_once_the_month_is_published(tree, users, member, violation):
    entry = services.record_entry(
        person=member, item=violation, on=TODAY, acting_user=None, attachment=SimpleUploadedFile("a.png", PNG)
    )
    entry.evidence = "补充说明"
    entry.save()  # a draft month: still open
    close = services.close_month(branch=tree.branch1, month=TODAY, acting_user=None)
    services.publish(close=close, acting_user=None)
    entry.refresh_from_db()
    entry.evidence = "改动"
    with pytest.raises(ReadOnly):
        entry.save()
    with pytest.raises(ReadOnly):
        entry.delete()
    with pytest.raises(ReadOnly):
        ScoreEntry.objects.filter(pk=entry.pk).update(evidence="改动")
    with pytest.raises(ReadOnly):
        ScoreEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.evidence == "补充说明" and entry.attachment_type == "image/png"
