from django import template

from vanguard.people import rules

register = template.Library()


@register.filter
def mask_id(value):
    return rules.mask_id_number(value)


@register.filter
def mask_phone(value):
    return rules.mask_phone(value)


@register.filter
def age_on(birth_date, today):
    if not birth_date:
        return ""
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
