"""The flag board's cards, rendered in Python: a branch's board holds up to a hundred
members, and the template engine's per-variable cost (an include, a dozen lookups and
a localised number per card) was most of the page's time (bench: flag_board)."""

from html import escape

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# The flag, drawn inline (no external asset); its colour comes from the class around it
# (`flag-red` …, see appraisal/_board_style.html). The label names the colour for screen
# readers; the card writes it out too, for print and colour-blind readers.
FLAG_SVG = (
    '<svg class="flag-svg" viewBox="0 0 48 40" role="img" aria-label="{}">'
    '<rect class="pole" x="3" y="1" width="3" height="38" rx="1"/>'
    '<path class="cloth" d="M6 3 C16 -1 26 8 45 3 L45 24 C26 29 16 20 6 24 Z"/></svg>'
)


@register.simple_tag
def flag_svg(label: str):
    return format_html(FLAG_SVG, label)


CARD = (
    '<li class="member c-{flag} flag-{flag}" data-flag="{flag}" data-person="{person}">'
    + FLAG_SVG.replace("{}", "{label}")
    + '<div class="who"><span class="name">{name}</span>'
    '<span class="facts"><span class="score">{score} 分</span> · <span class="flag-name">{label}</span></span>'
    '<span class="facts">第 {rank} 名{group}</span></div></li>'
)


def _card(e, show_group: bool) -> str:
    # Every text that comes from a person is escaped; the flag is one of four choices and
    # the numbers are numbers.
    return CARD.format(
        flag=escape(e.flag),
        person=int(e.person_id),
        label=escape(e.flag_label),
        name=escape(e.name),
        score=escape(str(e.score)),
        rank=int(e.rank),
        group=escape(f" · {e.group_name}") if show_group and e.group_name else "",
    )


@register.simple_tag
def member_cards(entries, show_group: bool = False):
    """The <li> cards of `entries` (board.Entry), in order."""
    return mark_safe("".join(_card(e, show_group) for e in entries))  # noqa: S308 — escaped in _card
