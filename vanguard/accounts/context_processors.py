from vanguard.accounts.policy import ACTIONS, scope_of


def scope(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    s = scope_of(user)
    return {"scope": s, "can": {action.replace(".", "_"): s.may(action) for action in ACTIONS}}
