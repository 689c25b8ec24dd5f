"""Which kind of organisation may sit under which (《中国共产党章程》 art. 30;
《中国共产党支部工作条例（试行）》 art. 5–8): a committee under a committee (or at the
top); a general branch under a committee; a branch under a committee or a general
branch; a party group under a branch or a general branch... groups sit in branches."""

ALLOWED_PARENTS: dict[str, set[str | None]] = {
    "committee": {None, "committee"},
    "general_branch": {"committee"},
    "branch": {"committee", "general_branch"},
    "group": {"branch"},
}

KIND_LABELS = {
    "committee": "党委",
    "general_branch": "党总支",
    "branch": "党支部",
    "group": "党小组",
}
KIND_BY_LABEL = {label: kind for kind, label in KIND_LABELS.items()}


def placement_problem(kind: str, parent_kind: str | None) -> str | None:
    if parent_kind not in ALLOWED_PARENTS[kind]:
        where = f"{KIND_LABELS[parent_kind]}之下" if parent_kind else "最顶层"
        allowed = "、".join("最顶层" if k is None else KIND_LABELS[k] for k in ALLOWED_PARENTS[kind])
        return f"上级组织：{KIND_LABELS[kind]}不能设在{where}（只能设在：{allowed}）"
    return None
